from __future__ import annotations

from embedlab.cli.main import run

if __name__ == "__main__":
    run()
