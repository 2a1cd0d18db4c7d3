"""`engage eval-moderation`: dataset formats, metrics, the command, and the targets on ViHSD dev."""
import json

import pytest
from click.testing import CliRunner

from engage.cli_moderation import default_excludes, eval_moderation
from engage.domain.moderation import evaluation
from engage.domain.moderation.evaluation import LabelledComment
from engage.domain.moderation.matcher import WordMatcher

JSON_KEYS = {"reject_precision", "reject_recall", "hold_or_reject_recall", "clean_held_rate",
             "p50_ms", "p99_ms", "labels"}


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def vihsd_file(tmp_path):
    """A ViHSD-layout file in ``<tmp>/vihsd/``, as in the shared corpora."""
    (tmp_path / "vihsd").mkdir()
    return write(tmp_path / "vihsd" / "dev.csv",
                 "free_text,label_id\n"
                 "Bài hay quá,0\n"
                 "\"Thằng chó, cút\",2\n"
                 "đồ ngu,1\n"
                 "ngủ ngon nhé,0\n"
                 "xem a.vn b.vn c.vn,0\n")


def test_formats_are_read_and_detected(tmp_path, vihsd_file):
    vihos = write(tmp_path / "vihos.csv",
                  ",content,index_spans\n0,Đẹp,[]\n1,đồ ngu,\"[3, 4, 5]\"\n")
    plain = write(tmp_path / "plain.csv", "text,label\nok,clean\nxấu,toxic\n")
    assert evaluation.detect_format(vihsd_file) == "vihsd"
    assert evaluation.detect_format(vihos) == "vihos"
    assert evaluation.detect_format(plain) == "csv"
    assert evaluation.read_dataset(vihos, "vihos")[1] == LabelledComment("đồ ngu", "offensive",
                                                                         True)
    assert [r.offensive for r in evaluation.read_dataset(plain, "csv")] == [False, True]
    assert [r.label for r in evaluation.read_dataset(vihsd_file, "vihsd")] == [
        "CLEAN", "HATE", "OFFENSIVE", "CLEAN", "CLEAN"]


def test_unknown_layout_is_refused(tmp_path):
    with pytest.raises(ValueError):
        evaluation.detect_format(write(tmp_path / "x.csv", "a,b\n1,2\n"))


def test_metrics_per_label_and_class(vihsd_file):
    rows = evaluation.read_dataset(vihsd_file, "vihsd")
    ticks = iter(range(100))
    report = evaluation.evaluate(rows, WordMatcher.compile(["thằng chó"], ["ngu"]),
                                 link_limit=2, clock=lambda: next(ticks) / 1000)
    assert report.labels["CLEAN"].as_json() == {"total": 3, "rejected": 0, "held": 2,
                                                "accepted": 1}  # "ngủ" folds, 3 links
    assert report.labels["HATE"].rejected == 1 and report.labels["OFFENSIVE"].held == 1
    m = report.metrics
    assert (m["reject_precision"], m["reject_recall"]) == (1.0, 0.5)
    assert m["hold_or_reject_recall"] == 1.0 and m["clean_held_rate"] == pytest.approx(2 / 3)
    assert m["p50_ms"] == pytest.approx(1.0) and m["p99_ms"] == pytest.approx(1.0)
    assert JSON_KEYS <= set(report.as_json())


def test_overlap_is_dropped():
    rows = [LabelledComment("A  b", "x", True), LabelledComment("c", "x", False)]
    kept, dropped = evaluation.drop_overlap(rows, {evaluation.overlap_key("a b")})
    assert [r.text for r in kept] == ["c"] and dropped == 1


def test_percentile_nearest_rank():
    assert evaluation.percentile([3, 1, 2, 4], 50) == 2
    assert evaluation.percentile(list(range(1, 101)), 99) == 99
    assert evaluation.percentile([], 50) == 0.0


def test_command_prints_a_table_and_json(tmp_path, vihsd_file):
    lists = tmp_path / "lists"
    lists.mkdir()
    write(lists / "banned.txt", "thằng chó\n")
    write(lists / "suspect.txt", "=ngu\n")
    write(lists / "variants.txt", "")
    runner = CliRunner()
    args = ["--dataset", str(vihsd_file), "--wordlists", str(lists)]
    result = runner.invoke(eval_moderation, args)
    assert result.exit_code == 0, result.output
    assert "HATE" in result.output and "reject          precision 1.000" in result.output
    result = runner.invoke(eval_moderation, [*args, "--json", "--format", "vihsd"])
    data = json.loads(result.output)
    assert JSON_KEYS <= set(data) and data["labels"]["CLEAN"]["held"] == 1
    assert data["comments"] == 5 and data["dropped"] == 0


def test_command_drops_the_comments_the_lists_were_built_from(tmp_path, vihsd_file):
    vihos = tmp_path / "vihos"
    vihos.mkdir()
    write(vihos / "train.csv", ",content,index_spans\n0,đồ NGU,\"[3]\"\n")
    assert default_excludes(vihsd_file, "vihsd") == [vihos / "train.csv"]
    result = CliRunner().invoke(eval_moderation, ["--dataset", str(vihsd_file), "--json"])
    assert json.loads(result.output)["dropped"] == 1
    result = CliRunner().invoke(eval_moderation, ["--dataset", str(vihsd_file), "--json",
                                                  "--no-exclude"])
    assert json.loads(result.output)["dropped"] == 0


def test_bad_file_is_a_clean_error(tmp_path):
    result = CliRunner().invoke(eval_moderation, ["--dataset", str(write(tmp_path / "x.csv",
                                                                          "a\n1\n"))])
    assert result.exit_code != 0 and "unknown columns" in result.output


def test_shipped_lists_meet_the_targets_on_vihsd_dev(corpora_dir):
    """Issue 5 "Done when": ViHSD dev, offensive + hate vs clean, ViHOS-train comments dropped."""
    dev = corpora_dir / "vi-moderation" / "vihsd" / "dev.csv"
    result = CliRunner().invoke(eval_moderation, ["--dataset", str(dev), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["dropped"] > 0  # the ViHOS train overlap was removed
    assert data["reject_precision"] >= 0.95 and data["reject_recall"] >= 0.10
    assert data["hold_or_reject_recall"] >= 0.55 and data["clean_held_rate"] <= 0.10


def test_command_is_registered_on_the_engage_group():
    from engage.cli import engage_cli

    assert engage_cli.commands["eval-moderation"] is eval_moderation
