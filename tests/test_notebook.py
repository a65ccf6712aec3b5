"""The analyst's notebook runs top to bottom and says what it should; the committed copy has no outputs."""

from __future__ import annotations

import sys
from pathlib import Path

import nbclient
import nbformat
import pytest
from ipykernel import kernelspec

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "explore.ipynb"

PROBE = """
import sys
import matplotlib
print(sys.executable)
print(matplotlib.get_backend())
"""


def test_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [], f"cell {cell.id} has outputs: clear them before committing"
        assert cell.execution_count is None, f"cell {cell.id} has an execution count: clear outputs"
    assert nb.metadata.kernelspec.name == "python3"


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> nbformat.NotebookNode:
    """The notebook after running every cell in a kernel on this interpreter (the venv's)."""
    tmp = tmp_path_factory.mktemp("notebook")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE.strip(), id="test-probe"))
    with pytest.MonkeyPatch.context() as patch:
        # A kernelspec of our own, ahead of any user-installed "python3", runs sys.executable.
        kernelspec.install(prefix=str(tmp / "jupyter"))
        patch.setenv("JUPYTER_PATH", str(tmp / "jupyter" / "share" / "jupyter"))
        patch.setenv("IPYTHONDIR", str(tmp / "ipython"))  # no user profile or startup files
        patch.setenv("MPLBACKEND", "Agg")
        patch.delenv("FLOWMAP_DATA", raising=False)  # the shipped dataset
        # capture_fd_output=False: messages that C libraries write straight to the process's stderr
        # (Graphviz's fontconfig on some systems) stay out of the cells, so only Python's output is judged.
        client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                         extra_arguments=["--IPKernelApp.capture_fd_output=False"],
                                         resources={"metadata": {"path": str(tmp)}})
        client.execute()
    return nb


def outputs(nb, cell_id: str) -> str:
    """Everything a cell showed: printed text, plain and HTML results, errors."""
    [cell] = [c for c in nb.cells if c.get("id") == cell_id]
    parts = []
    streaming = False
    for out in cell.outputs:
        if out.output_type == "stream":
            # A kernel may send one print in several stream messages: they are one text.
            if streaming:
                parts[-1] += out.text
            else:
                parts.append(out.text)
            streaming = True
            continue
        streaming = False
        if out.output_type in ("execute_result", "display_data"):
            parts.extend(str(out.data.get(kind, "")) for kind in ("text/plain", "text/html"))
        elif out.output_type == "error":
            parts.append("\n".join(out.traceback))
    return "\n".join(parts)


def result(nb, cell_id: str) -> str:
    """The plain-text value of a cell's last expression."""
    [cell] = [c for c in nb.cells if c.get("id") == cell_id]
    [out] = [o for o in cell.outputs if o.output_type == "execute_result"]
    return out.data["text/plain"]


def test_runs_on_this_interpreter_without_a_gui_backend(executed):
    executable, backend = outputs(executed, "test-probe").split()
    assert executable == sys.executable
    assert backend.lower() == "agg"


def test_no_cell_writes_errors_or_warnings(executed):
    for cell in executed.cells:
        if cell.cell_type == "code":
            streams = [o for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
            assert not streams, f"cell {cell.id} wrote to stderr: {streams[0].text}"
            assert not [o for o in cell.outputs if o.output_type == "error"]


def test_loads_the_shipped_dataset_and_counts_it(executed):
    assert result(executed, "load").startswith("<FlowMap")
    counts = outputs(executed, "counts")
    assert "source documents" in counts
    for word in ("fusion_center", "documented", "reported", "capability", "licence_plate_reads"):
        assert word in counts


def test_sfpd_reaches_ice_through_ncric(executed):
    assert result(executed, "reach") == "True"
    verdicts = outputs(executed, "verdict")
    assert ("San Francisco Police Department CAN reach US Immigration and Customs Enforcement within 6 hops: on "
            "the best route found, the weakest hop is reported") in verdicts
    assert "cannot reach US Immigration and Customs Enforcement within 6 hops, on documented evidence only" \
        in verdicts
    table = outputs(executed, "reach-table")
    assert "Northern California Regional Intelligence Center" in table
    routes = outputs(executed, "show-routes")
    assert ("Route 1: San Francisco Police Department → Northern California Regional Intelligence Center → "
            "ICE Data Analysis System") in routes
    assert "evidence: reported" in routes and "Per a 2022 investigation" in routes


def test_sanctuary_sweep_lists_san_francisco_and_leaves_out_the_motorola_group(executed):
    sweep = outputs(executed, "sweep")
    assert "nodes under a sanctuary law or a DOJ designation can reach ICE" in sweep
    assert "San Francisco Police Department" in sweep and "Orange County Intelligence Assessment Center" in sweep
    missing = outputs(executed, "sweep-missing")
    assert "Motorola contract bars" in missing and "Washington, DC police" in missing


def svg(nb, cell_id: str) -> str:
    [cell] = [c for c in nb.cells if c.get("id") == cell_id]
    [image] = [o.data["image/svg+xml"] for o in cell.outputs if "image/svg+xml" in o.get("data", {})]
    assert image.lstrip().startswith(("<?xml", "<svg", "<!DOCTYPE"))
    return image


def test_renders_the_sfpd_routes_as_svg(executed):
    image = svg(executed, "render")
    assert "<svg" in image and "San Francisco Police Department" in image
    assert "CUT" not in image
    assert "CUT" in svg(executed, "firewall-diagram")


def test_firewall_cuts_sfpd_from_ncric_and_is_verified(executed):
    assert "stop San Francisco Police Department passing data of an unstated kind to Northern California" in outputs(
        executed, "firewall")
    assert result(executed, "firewall-verified") == "True"


def test_what_ifs(executed):
    assert result(executed, "whatif-avoid") == "False"
    assert result(executed, "whatif-evidence") == "False"
    assert result(executed, "whatif-data") == "False"
    motorola = outputs(executed, "motorola")
    assert "Open route: False | routes blocked by policy: 1" in motorola
    assert "BLOCKED: edge motorola-lpr-to-ice-contract does not carry data from California" in motorola
    oc = outputs(executed, "ociac")
    assert oc.count("evidence: documented") == 2
    assert "date: 2018-03-07" in oc and "date: 2018-04-19" in oc


def test_routes_through_a_group_are_marked(executed):
    joins = outputs(executed, "group-joins")
    assert "7 routes; 6 join statements about a group; 1 without joins" in joins
    assert "group_join" in joins and "Fusion centers (the national network, described collectively)" in joins
