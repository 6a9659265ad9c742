"""The sources beyond the consensus that the other guidance flags cite (other-guidance.md, paraphrased).

L1..L4 are the US prescribing information for intrathecal baclofen, N1..N4 NICE clinical guideline CG145
(spasticity in under 19s). Each belongs to a group a site can switch off (`[settings] guidance`); the seed
statements S1..S13 stay in `_seed.py` and are never switched off.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """One paraphrased recommendation of a guidance document, under the id other-guidance.md gives it."""

    id: str
    group: str
    where: str
    says: str


#: The groups a site may show, in the order other-guidance.md lists them, with their names in words.
GUIDANCE_GROUPS: dict[str, str] = {"label": "US label", "nice": "NICE CG145, under 19s"}

#: What the consensus is called beside them, when a flag cites a seed statement too (L3 with S3).
CONSENSUS_WORDS = "consensus"

_LABEL = "US prescribing information for intrathecal baclofen (Gablofen; Lioresal Intrathecal)"
_NICE = "NICE clinical guideline CG145 (2012), Spasticity in under 19s"

GUIDANCE_SOURCES: dict[str, Source] = {
    s.id: s
    for s in (
        Source(
            "L1",
            "label",
            f"{_LABEL}, section 1, Indications and Usage",
            "Indicated for severe spasticity in adults and children aged 4 years and above.",
        ),
        Source(
            "L2",
            "label",
            f"{_LABEL}, section 1",
            "After a traumatic brain injury, wait at least one year from the injury before long-term "
            "intrathecal baclofen.",
        ),
        Source(
            "L3",
            "label",
            f"{_LABEL}, section 1",
            "For spasticity of spinal cord origin, chronic infusion is reserved for patients unresponsive to "
            "oral baclofen, or with intolerable central nervous system side effects at effective doses.",
        ),
        Source(
            "L4",
            "label",
            f"{_LABEL}, boxed warning on abrupt discontinuation",
            "Patients at apparent risk of withdrawal need special attention to the infusion system, refills "
            "and alarms: for example spinal cord injury at T6 or above, communication difficulties, a "
            "history of withdrawal symptoms.",
        ),
        Source(
            "N1",
            "nice",
            f"{_NICE}, recommendation 1.6.3",
            "Contraindications in children and young people: too small to accommodate an infusion pump; "
            "local or systemic intercurrent infection.",
        ),
        Source(
            "N2",
            "nice",
            f"{_NICE}, recommendation 1.6.4",
            "Potential contraindications: co-existing conditions such as uncontrolled epilepsy or "
            "coagulation disorders; a previous spinal fusion procedure; malnutrition (risk of infection or "
            "delayed healing after surgery); respiratory disorders with a risk of respiratory failure.",
        ),
        Source(
            "N3",
            "nice",
            f"{_NICE}, recommendation 1.6.5",
            "Where a spinal fusion for scoliosis is likely to be needed, implant the pump before the fusion.",
        ),
        Source(
            "N4",
            "nice",
            f"{_NICE}, recommendation 1.6.6",
            "Spasticity sometimes supports function (for example by compensating for weakness): weigh the "
            "benefit of reducing it against that risk, and discuss it with the patient and family.",
        ),
    )
}


def _check_sources() -> None:
    for source in GUIDANCE_SOURCES.values():
        if source.group not in GUIDANCE_GROUPS:
            raise ValueError(f"source {source.id}: unknown group {source.group!r}")


_check_sources()


def source_group(source_id: str) -> str | None:
    """The group (`label`, `nice`) of a guidance source; None for a seed statement (S3)."""
    source = GUIDANCE_SOURCES.get(source_id)
    return source.group if source else None
