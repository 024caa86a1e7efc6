"""relmine doctor's per-queue checks (the integration test checks them against a busy real worker)."""

from relmine.doctor import queue_checks


def test_one_check_per_queue_with_its_consumers():
    checks = queue_checks(lambda: {"train": "1 consumer(s): w1@gpu-host", "embed": "", "mine": "2 consumer(s): a@h, b@h"})
    by_name = {c.name: c for c in checks}
    assert by_name["queue train"].ok and "gpu-host" in by_name["queue train"].detail
    assert not by_name["queue embed"].ok and by_name["queue embed"].fix == "relmine worker -Q embed"
    assert not by_name["queue embed"].required


def test_a_silent_control_channel_is_one_failed_check():
    def boom():
        raise TimeoutError("no reply")

    (check,) = queue_checks(boom)
    assert not check.ok and "no reply" in check.detail
