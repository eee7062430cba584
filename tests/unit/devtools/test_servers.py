"""What the embedded servers' start-up changes on the machine."""

from __future__ import annotations

import stat
from pathlib import Path

from devtools import servers


def test_folders_above_the_data_get_only_the_traverse_bit(tmp_path: Path) -> None:
    private, grouped, open_ = tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "c"
    data = open_ / "data"
    data.mkdir(parents=True)
    for folder, mode in ((private, 0o700), (grouped, 0o750), (open_, 0o755)):
        folder.chmod(mode)

    servers.allow_traverse(data)

    modes = {folder: stat.S_IMODE(folder.stat().st_mode) for folder in (private, grouped, open_)}
    assert modes == {private: 0o711, grouped: 0o751, open_: 0o755}
