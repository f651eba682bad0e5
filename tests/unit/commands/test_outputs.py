"""Every output path is proved before the first request (issue 29 item 6): each report
file's own path too, so a folder named junit.xml is exit 2 naming it, not reports lost
after the whole wait (the e2e tests run two of these through the real process)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_gate.commands.outputs import prepare_outputs
from ci_gate.config.ci_env import detect_ci
from ci_gate.errors import UsageError
from ci_gate.report.atomic import SET_NAMES


@pytest.mark.parametrize("name", SET_NAMES)
@pytest.mark.parametrize("platform", [{}, {"GITLAB_CI": "true"}, {"GITHUB_ACTIONS": "true"}])
def test_a_folder_under_any_report_name_is_a_usage_error_naming_it(
    tmp_path: Path, name: str, platform: dict[str, str]
) -> None:
    (tmp_path / name).mkdir()
    with pytest.raises(UsageError) as refused:
        prepare_outputs(tmp_path, detect_ci(platform))
    assert str(tmp_path / name) in str(refused.value) and "folder" in str(refused.value)


def test_a_link_to_a_folder_is_replaced_not_refused(tmp_path: Path) -> None:
    """The set is written by renames: a symlink under a report name is simply replaced."""
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "junit.xml").symlink_to(tmp_path / "elsewhere")
    prepare_outputs(tmp_path, None)


def test_files_of_an_earlier_set_are_fine(tmp_path: Path) -> None:
    for name in SET_NAMES:
        (tmp_path / name).write_text("from an earlier run")
    prepare_outputs(tmp_path, detect_ci({"GITLAB_CI": "true"}))


def test_a_report_file_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    """issue 30 (attackers): "could not write the reports to rC: Is a directory" named
    no file; the rename's target is named."""
    from ci_gate.commands.outputs import why_not_written

    (tmp_path / "junit.xml").mkdir()
    (tmp_path / "junit.xml" / "inside").write_text("")
    source = tmp_path / ".junit.xml.tmp"
    source.write_text("")
    with pytest.raises(OSError) as failed:
        source.replace(tmp_path / "junit.xml")
    assert str(tmp_path / "junit.xml") in why_not_written(failed.value)
    assert why_not_written(OSError(28, "No space left on device")) == "No space left on device"
