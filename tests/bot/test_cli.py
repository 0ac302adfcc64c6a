import subprocess
import sys

import pytest

from bot.cli import build_parser, main


def subcommand_paths(parser, prefix=()):
    for action in parser._actions:  # noqa: SLF001 - walking argparse's own tree is the only way
        if action.__class__.__name__ == "_SubParsersAction":
            for name, sub in action.choices.items():
                yield (*prefix, name)
                yield from subcommand_paths(sub, (*prefix, name))


def test_help_lists_the_commands(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    for name in ("db", "import", "demo", "serve", "worker", "agents"):
        assert name in out


@pytest.mark.parametrize("path", sorted(set(subcommand_paths(build_parser()))))
def test_every_command_has_help(path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*path, "--help"])
    assert exit_info.value.code == 0
    assert "usage: crmbot" in capsys.readouterr().out


def run(args, env_extra, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "CRMBOT_DATA_DIR": str(tmp_path), **env_extra}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_errors_are_one_clear_line_without_a_traceback(tmp_path):
    result = run(["import", "leads", str(tmp_path / "missing.csv")], {}, tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [f"crmbot: {tmp_path / 'missing.csv'}: no such file"]


def test_an_unreachable_database_is_one_clear_line(tmp_path):
    result = run(["db", "upgrade"], {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing"}, tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("crmbot: cannot use the database")


def test_a_bad_setting_is_named(tmp_path):
    result = run(["db", "current"], {"CRMBOT_HTTP_PORT": "eighty"}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "crmbot: CRMBOT_HTTP_PORT has an invalid value for http_port"


def test_demo_then_import_then_list_on_a_fresh_data_dir(tmp_path):
    assert run(["demo", "--no-chat"], {}, tmp_path).returncode == 0
    csv_file = tmp_path / "new.csv"
    csv_file.write_text("Name,Email,Owner\nNew Person,new.person@x.example,sam@agency.example\n")
    result = run(["import", "leads", str(csv_file)], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 created" in result.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("Name,Email\nNo Email,\n")
    result = run(["import", "leads", str(bad)], {}, tmp_path)
    assert result.returncode == 1
    assert "error: row 2, email: is empty" in result.stdout
    agents = run(["agents", "list"], {}, tmp_path)
    assert "dana@agency.example" in agents.stdout and "admin" in agents.stdout
