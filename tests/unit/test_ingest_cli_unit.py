"""The ingest commands without a database: documented options, argument errors, generate."""

import json

import pytest
from click.testing import CliRunner

from relmine.cli.ingest_cmd import generate, ingest, stats
from relmine.cli.main import cli


@pytest.mark.parametrize("command", [ingest, generate, stats])
def test_every_option_is_documented(command):
    assert command.help
    for param in command.params:
        if param.param_type_name == "option":
            assert param.help, f"{command.name} --{param.name} has no help"
    result = CliRunner().invoke(cli, [command.name, "--help"])
    assert result.exit_code == 0 and command.name in result.output


@pytest.mark.parametrize("args, message", [
    (["ingest", "nonsense", "x.csv"], "Invalid value for 'KIND'"),
    (["ingest", "catalog", "/nonexistent/file.csv"], "does not exist"),
    (["ingest", "catalog", "README.md", "--batch-size", "0"], "--batch-size"),
    (["generate", "--products", "5", "--out", "x"], "--products"),
])
def test_bad_arguments_are_refused_before_any_work(args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and message in result.output


def test_generate_writes_the_files(tmp_path):
    result = CliRunner().invoke(cli, ["generate", "--products", "100", "--orders", "200", "--seed", "2",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["files"]["catalog.csv"]["rows"] == 100 and "relmine ingest catalog" in result.output


def _options_of(args):
    from relmine.cli.ingest_cmd import options_from

    params = ingest.make_context("ingest", args).params
    return options_from(params.pop("kind"), **{k: v for k, v in params.items() if k not in ("file", "as_json", "bulk")})


def test_the_options_build_ingest_options_with_its_defaults():
    from relmine.ingest import IngestOptions

    assert _options_of(["catalog", "README.md"]) == IngestOptions(kind="catalog")
    given = _options_of(["edges", "README.md", "--type", "ALSO_BOUGHT", "--col", "src=a", "--batch-size", "7",
                         "--no-progress", "--allow-type", "X_Y", "--service-share", "0.5", "--format", "csv"])
    assert given == IngestOptions(kind="edges", relation_type="ALSO_BOUGHT", columns={"src": "a"}, batch_size=7,
                                  progress=False, allow_types=("X_Y",), service_share=0.5, format="csv")
