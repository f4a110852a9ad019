"""The in-memory index's memos: bounded in entries and in bytes."""

from petition.views.refs import Memo, remember


def test_remember_drops_the_oldest_past_the_entry_limit() -> None:
    memo = Memo()
    for n in range(5):
        remember(memo, n, str(n), limit=3)
    assert list(memo) == [2, 3, 4]


def test_remember_keeps_the_entries_sizes_under_max_bytes() -> None:
    memo = Memo()
    for n in range(10):
        remember(memo, n, b"x" * 300, size=300, max_bytes=1000)
        assert memo.held_bytes == 300 * len(memo) <= 1000
    assert list(memo) == [7, 8, 9]  # the newest three
    remember(memo, 8, b"x" * 900, size=900, max_bytes=1000)  # replaces its own entry
    assert list(memo) == [8] and memo.held_bytes == 900
    remember(memo, "big", b"x" * 5000, size=5000, max_bytes=1000)  # larger than the bound
    assert list(memo) == ["big"] and memo.held_bytes == 5000  # kept alone: the newest


def test_entries_without_a_size_count_for_nothing() -> None:
    memo = Memo()
    remember(memo, "a", 1)
    remember(memo, "b", 2, size=10, max_bytes=10)
    assert list(memo) == ["a", "b"] and memo.held_bytes == 10


def test_threads_remembering_at_once_keep_the_count_of_bytes_exact() -> None:
    import sys
    import threading

    memo = Memo()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns as often as they can

    def fill(start: int) -> None:
        for n in range(start, start + 2000):
            remember(memo, n % 300, n, size=n % 7 + 1, max_bytes=500)

    threads = [threading.Thread(target=fill, args=(k * 2000,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sys.setswitchinterval(interval)
    assert memo.held_bytes == sum(memo.sizes.values()) <= 500
    assert set(memo.sizes) == set(memo)
