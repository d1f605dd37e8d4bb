"""`python -m local.devicefarm_emulator --port 4599`: a standalone emulator on wall time."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Sequence
from types import FrameType

from local.devicefarm_emulator.clock import WallClock
from local.devicefarm_emulator.cloudtrail import TrailSettings
from local.devicefarm_emulator.emulator import DEFAULT_ACCOUNT_ID, DeviceFarmEmulator
from local.devicefarm_emulator.faults import Faults
from local.devicefarm_emulator.rate_limits import RateLimitSettings
from local.devicefarm_emulator.server import running_emulator


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.devicefarm_emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4599, help="0 picks a free port")
    parser.add_argument("--account-id", default=DEFAULT_ACCOUNT_ID)
    parser.add_argument("--throttle-rate", type=float, default=0.0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--internal-failure-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=2, help="metered session limit")
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument(
        "--cloudtrail-response-elements",
        action="store_true",
        help="CloudTrail records of Create/Stop carry the answer (off: responseElements null)",
    )
    parser.add_argument(
        "--cloudtrail-lag-seconds", type=float, default=0.0, help="CloudTrail delivery lag"
    )
    parser.add_argument(
        "--rate-limits",
        choices=("on", "off"),
        default="on",
        help="Device Farm's API rate limits, per operation (List/Get: burst 50 at 10/s; "
        "others: burst 10 at 1/s), refilled in real time",
    )
    parser.add_argument(
        "--rate-limit-time-scale",
        type=float,
        default=1.0,
        help="refill the rate-limit buckets this many times faster than real time",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def build_emulator(args: argparse.Namespace) -> DeviceFarmEmulator:
    faults = Faults(
        throttle_rate=args.throttle_rate,
        latency_ms=args.latency_ms,
        internal_failure_rate=args.internal_failure_rate,
        seed=args.seed,
    )
    return DeviceFarmEmulator(
        clock=WallClock(),
        account_id=args.account_id,
        metered_concurrency=args.concurrency,
        faults=faults,
        page_size=args.page_size,
        cloudtrail=TrailSettings(
            include_response_elements=args.cloudtrail_response_elements,
            delivery_lag_seconds=args.cloudtrail_lag_seconds,
        ),
        rate_limits=RateLimitSettings(
            enabled=args.rate_limits == "on", time_scale=args.rate_limit_time_scale
        ),
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with running_emulator(build_emulator(args), host=args.host, port=args.port) as server:
        print(f"Device Farm emulator listening on {server.url}", flush=True)
        print(f"  export AWS_ENDPOINT_URL_DEVICE_FARM={server.url}", flush=True)
        stop.wait()
    print("Device Farm emulator stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
