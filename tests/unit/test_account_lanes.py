"""A sweep over several accounts keeps each account's quota busy: work goes out one account
after another, never more than the per-account limit in flight, in the chain's order within an
account; one account alone is served as before (all its workers on it)."""

from __future__ import annotations

from session_stopper.domain.sweeps.sweep import MAX_SWEEP_THREADS, _AccountLanes, _Work
from session_stopper.models.session import RemoteAccessSession


def work(account: str, index: int) -> _Work:
    arn = f"arn:aws:devicefarm:us-west-2:{account}:session:p/s-{index:03d}/00000"
    return _Work(RemoteAccessSession.model_validate({"arn": arn}), None)


A, B, C = "111111111111", "222222222222", "333333333333"


def test_accounts_are_served_side_by_side_within_the_per_account_limit() -> None:
    items = [work(a, i) for a in (A, B, C) for i in range(4)]  # listed account by account
    lanes = _AccountLanes(items, per_account=2)
    assert lanes.workers == 6

    taken = [lanes.account_of(lanes.next_item()) for _ in range(6)]

    assert taken == [A, B, C, A, B, C]
    assert lanes.ready() == [], "each account has its two in flight"
    lanes.finished(B)
    assert lanes.ready() == [B]
    assert lanes.next_item().session.arn.endswith("s-002/00000"), "in order within the account"


def test_one_account_gets_every_worker_as_before() -> None:
    lanes = _AccountLanes([work(A, i) for i in range(20)], per_account=8)
    assert lanes.workers == 8
    assert [lanes.account_of(lanes.next_item()) for _ in range(8)] == [A] * 8
    assert lanes.ready() == []


def test_threads_are_bounded_however_many_accounts() -> None:
    items = [work(f"{n:012d}", 0) for n in range(1, 101)]
    assert _AccountLanes(items, per_account=8).workers == MAX_SWEEP_THREADS


def test_what_is_left_is_every_item_not_taken() -> None:
    lanes = _AccountLanes([work(A, 0), work(B, 0), work(B, 1)], per_account=1)
    first = lanes.next_item()
    assert lanes.left() == {w.session.arn for w in (work(A, 0), work(B, 0), work(B, 1))} - {
        first.session.arn
    }


def test_an_account_its_pacer_refused_starts_nothing_more_and_the_others_go_on() -> None:
    items = [work(a, i) for a in (A, B) for i in range(3)]
    lanes = _AccountLanes(items, per_account=1)
    first_a, first_b = lanes.next_item(), lanes.next_item()

    lanes.finished(A)
    lanes.close_accounts_of({first_a.session.arn})
    lanes.finished(B)

    assert lanes.ready() == [B], "A's lane is closed, B's goes on"
    assert lanes.account_of(lanes.next_item()) == B
    assert lanes.left() == {work(A, 1).session.arn, work(A, 2).session.arn, work(B, 2).session.arn}
    assert first_b.session.arn not in lanes.left()
