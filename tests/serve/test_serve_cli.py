"""``embedlab serve``: every bad setting is one line and a non-zero exit, before any model is loaded."""

from __future__ import annotations

import pytest

from embedlab.errors import ParameterError
from embedlab.serve.settings import ServiceSettings


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--log-level", "bogus"], "option --log-level: unknown level 'bogus'; use one of critical, error, warning"),
        (["--max-wait-ms", "-5"], "option --max-wait-ms: must be at least 0, got -5.0"),
        (["--max-wait-ms", "nan"], "option --max-wait-ms: must be a finite number, got nan"),
        (["--max-batch", "0"], "option --max-batch: must be at least 1, got 0"),
        (["--max-body", "0"], "option --max-body-bytes: must be at least 1, got 0"),
        (["--port", "70000"], "option --port: must be between 0 and 65535, got 70000"),
        (["--allowed-hosts", "a*b"], "option --allowed-hosts: 'a*b' is not a host name"),
        (["--cors-origins", "evil.example"], "option --cors-origins: 'evil.example' is not an origin"),
        (["--backend", "bogus"], "option --backend: unknown backend 'bogus'; use one of "),
    ],
)
def test_bad_settings_are_one_line(cli, args, line):
    code, out, err = cli("serve", "--model", "all-MiniLM-L6-v2", *args)
    assert code == 2, (out, err)
    assert err.strip().splitlines() == [f"error: {err.strip().removeprefix('error: ')}"]
    assert line in err and "Traceback" not in err


def test_api_key_from_the_environment(cli, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_API_KEY", "   ")  # read from the environment: a blank key is refused, not ignored
    code, _, err = cli("serve", "--model", "all-MiniLM-L6-v2")
    assert code == 2 and "option --api-key: must not be empty" in err


def test_settings_defaults_and_hosts():
    assert ServiceSettings().validate().hosts() == ["localhost", "127.0.0.1", "[::1]"]
    assert ServiceSettings(host="::1").hosts() == ["localhost", "127.0.0.1", "[::1]"]
    assert ServiceSettings(host="127.0.0.2").hosts() == ["localhost", "127.0.0.1", "[::1]", "127.0.0.2"]
    assert ServiceSettings(host="0.0.0.0").hosts() == ["*"]
    assert ServiceSettings(host="0.0.0.0", allowed_hosts=("search.example",)).hosts() == ["search.example"]
    with pytest.raises(ParameterError, match="max_inputs: must be at least 1, got 0"):
        ServiceSettings(max_inputs=0).validate()
