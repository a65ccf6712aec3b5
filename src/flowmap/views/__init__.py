"""Views: turn query results into text, tables, diagrams and exports."""
