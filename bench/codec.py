"""`python -m bench.codec [--seconds S]`: what the payload codec costs per payload, the
figure docs/privacy.md quotes.

Every payload a lifecycle sends or receives goes through the codec (AES-256-GCM,
aduan/adapters/payload_codec.py). For three sizes met in practice (an officer's answer as an
Update's input, a transition as the record activity's input, a large continue-as-new
memory) it times the codec alone, encrypting and decrypting, and the whole data converter
with and without it (pydantic's JSON included), in microseconds per payload."""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter

from aduan.adapters import temporal
from aduan.adapters.payload_codec import EncryptionCodec
from aduan.lifecycle.models import RespondInput
from aduan.store.transitions import Transition
from tests.support.payload_keys import ROTATED_KEYRING

ANSWER = (
    "Terima kasih atas laporan Anda. Petugas kami sudah memeriksa meter air di alamat Anda"
    " pada hari Senin dan menemukan meter berputar walau keran tertutup. Meter sudah diganti"
    " dan tagihan bulan ini dikoreksi sesuai pemakaian rata-rata tiga bulan terakhir."
)


def samples() -> dict[str, Any]:
    """The values timed: small, medium and large, as lifecycles send them."""
    now = datetime.now(UTC)
    transition = Transition(
        complaint_id=uuid.uuid4(),
        step="0007-responded",
        event_type="responded",
        status="responded",
        escalation_level="none",
        occurred_at=now,
        data={"message": ANSWER},
    )
    memory = {"history": [transition.model_dump(mode="json") for _ in range(60)]}
    return {
        "answer (Update input)": RespondInput(actor="ani", message=ANSWER),
        "transition (activity input)": transition,
        "memory (continue-as-new)": memory,
    }


async def per_call(run: Callable[[], Awaitable[object]], seconds: float) -> float:
    """Microseconds per call of `run`, repeated for about `seconds`."""
    calls, began = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds:
        for _ in range(100):
            await run()
        calls += 100
    return elapsed / calls * 1e6


async def _round_trip(converter: DataConverter, value: object, hint: list[type]) -> None:
    await converter.decode(await converter.encode([value]), hint)


async def measure(seconds: float) -> list[tuple[str, int, float, float, float, float]]:
    """Per sample: its size, the codec's encrypt and decrypt, the converter's encode and
    decode round trip without and with the codec."""
    codec = EncryptionCodec(ROTATED_KEYRING)
    with_codec = temporal.data_converter(ROTATED_KEYRING)
    rows = []
    for name, value in samples().items():
        hint = [type(value)]
        [plain] = await pydantic_data_converter.encode([value])
        [sealed] = await codec.encode([plain])
        rows.append(
            (
                name,
                plain.ByteSize(),
                await per_call(partial(codec.encode, [plain]), seconds),
                await per_call(partial(codec.decode, [sealed]), seconds),
                await per_call(partial(_round_trip, pydantic_data_converter, value, hint), seconds),
                await per_call(partial(_round_trip, with_codec, value, hint), seconds),
            )
        )
    return rows


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="per figure")
    args = parser.parse_args()
    rows = asyncio.run(measure(args.seconds))
    print(
        f"{'payload':<30} {'bytes':>7} {'encrypt µs':>11} {'decrypt µs':>11}"
        f" {'round trip µs':>14} {'with codec µs':>14}"
    )
    for name, size, encrypt, decrypt, bare, full in rows:
        print(f"{name:<30} {size:>7} {encrypt:>11.1f} {decrypt:>11.1f} {bare:>14.1f} {full:>14.1f}")


if __name__ == "__main__":
    main()
