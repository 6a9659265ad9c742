"""The words clinicians write for each answer, as data, with where each list comes from.

Options keep their short names (`aliases`, shown by `?` and the data dictionary); these are the longer
phrases of notes and letters that point to an option when they appear in a typed answer. Negation, doubt
and time are not written here: the reader finds them with the NegEx/ConText cue lists, so a phrase below
is always the positive form ("infection", never "no infection").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["CONCEPT_TERMS", "CONDITIONS", "ICD10CM_DESCRIPTIONS", "TERMS", "Condition", "category_of"]


@dataclass(frozen=True)
class Condition:
    """An ICD-10-CM code with its description (as the code set gives it) and the phrases that name it."""

    code: str
    description: str
    phrases: tuple[str, ...]
    #: Read as this concept instead of its category: the phrase alone fits several categories
    #: ("tetraplegia" may be a cord injury or cerebral palsy), so the reader asks.
    concept: str | None = None


#: Diagnoses as clinicians write them, by ICD-10-CM code (FY2026 code set, public domain, as shipped by the
#: simple-icd-10-cm package; tests/test_vocabulary.py checks every code and description against it). The
#: category each maps to comes from the code (`category_of`), never from the phrase.
CONDITIONS: tuple[Condition, ...] = (
    Condition(
        "G11.11", "Friedreich ataxia", ("Friedreich's ataxia", "Friedreich ataxia", "Friedreichs ataxia")
    ),
    Condition(
        "E71.529",
        "X-linked adrenoleukodystrophy, unspecified type",
        ("adrenoleukodystrophy", "X-ALD", "adrenomyeloneuropathy", "AMN"),
    ),
    Condition("E75.25", "Metachromatic leukodystrophy", ("metachromatic leukodystrophy", "MLD")),
    Condition("G24.9", "Dystonia, unspecified", ("dystonia", "generalised dystonia", "generalized dystonia")),
    Condition(
        "S06.5",
        "Traumatic subdural hemorrhage",
        ("traumatic SDH", "SDH", "subdural haematoma", "subdural hematoma", "subdural haemorrhage"),
    ),
    Condition(
        "I61.3",
        "Nontraumatic intracerebral hemorrhage in brain stem",
        (
            "pontine bleed",
            "pontine haemorrhage",
            "pontine hemorrhage",
            "brainstem bleed",
            "brainstem haemorrhage",
        ),
    ),
    Condition(
        "I61.0",
        "Nontraumatic intracerebral hemorrhage in hemisphere, subcortical",
        ("basal ganglia haemorrhage", "basal ganglia hemorrhage", "basal ganglia bleed"),
    ),
    Condition("G80.9", "Cerebral palsy, unspecified", ("cerebral palsy", "CP")),
    Condition(
        "G80.0",
        "Spastic quadriplegic cerebral palsy",
        ("spastic quadriplegia", "quadriplegic CP", "quadriplegic cerebral palsy", "spastic tetraplegia"),
    ),
    Condition(
        "G80.1",
        "Spastic diplegic cerebral palsy",
        ("spastic diplegia", "diplegia", "diplegic CP", "diplegic cerebral palsy", "spastic diplegic CP"),
    ),
    Condition(
        "G80.2",
        "Spastic hemiplegic cerebral palsy",
        ("hemiplegic CP", "hemiplegic cerebral palsy", "spastic hemiplegic CP"),
    ),
    Condition("G35.D", "Multiple sclerosis, unspecified", ("multiple sclerosis", "MS")),
    Condition("G35.A", "Relapsing-remitting multiple sclerosis", ("RRMS", "relapsing remitting MS")),
    Condition(
        "G35.B0",
        "Primary progressive multiple sclerosis, unspecified",
        ("PPMS", "primary progressive MS", "primary progressive multiple sclerosis"),
    ),
    Condition(
        "G35.C0",
        "Secondary progressive multiple sclerosis, unspecified",
        ("SPMS", "secondary progressive MS", "secondary progressive multiple sclerosis"),
    ),
    Condition(
        "G82.20", "Paraplegia, unspecified", ("paraplegia", "paraplegic", "paraparesis"), concept="paralysis"
    ),
    Condition("G82.21", "Paraplegia, complete", ("complete paraplegia",), concept="paralysis"),
    Condition("G82.22", "Paraplegia, incomplete", ("incomplete paraplegia",), concept="paralysis"),
    Condition(
        "G82.50",
        "Quadriplegia, unspecified",
        ("tetraplegia", "tetraplegic", "quadriplegia", "quadriplegic", "tetraparesis"),
        concept="paralysis",
    ),
    Condition(
        "S14.10", "Unspecified injury of cervical spinal cord", ("cervical cord injury", "cervical SCI")
    ),
    Condition(
        "S24.10", "Unspecified injury of thoracic spinal cord", ("thoracic cord injury", "thoracic SCI")
    ),
    Condition("S34.10", "Unspecified injury to lumbar spinal cord", ("lumbar cord injury", "lumbar SCI")),
    Condition(
        "I63.9",
        "Cerebral infarction, unspecified",
        (
            "stroke",
            "CVA",
            "cerebrovascular accident",
            "cerebral infarct",
            "cerebral infarction",
            "infarct",
            "ischaemic stroke",
            "ischemic stroke",
            "MCA stroke",
            "MCA infarct",
            "TACS",
            "PACS",
        ),
    ),
    Condition(
        "I61.9",
        "Nontraumatic intracerebral hemorrhage, unspecified",
        (
            "intracerebral haemorrhage",
            "intracerebral hemorrhage",
            "ICH",
            "haemorrhagic stroke",
            "hemorrhagic stroke",
            "cerebral haemorrhage",
            "cerebral hemorrhage",
            "brain haemorrhage",
            "brain hemorrhage",
            "bleed on the brain",
        ),
    ),
    Condition(
        "I60.9",
        "Nontraumatic subarachnoid hemorrhage, unspecified",
        ("subarachnoid haemorrhage", "subarachnoid hemorrhage", "SAH"),
    ),
    Condition(
        "I69.3",
        "Sequelae of cerebral infarction",
        ("post-stroke", "post stroke", "after a stroke", "post CVA", "post-CVA"),
    ),
    Condition(
        "S06.9",
        "Unspecified intracranial injury",
        ("traumatic brain injury", "TBI", "head injury", "traumatic head injury"),
    ),
    Condition("S06.2", "Diffuse traumatic brain injury", ("diffuse axonal injury", "DAI")),
    Condition(
        "G93.1",
        "Anoxic brain damage, not elsewhere classified",
        (
            "hypoxic brain injury",
            "anoxic brain injury",
            "hypoxic ischaemic brain injury",
            "hypoxic ischemic brain injury",
            "HIBI",
            "hypoxic brain damage",
            "anoxic brain damage",
            "anoxic injury",
            "hypoxic injury",
            "near drowning",
        ),
    ),
    Condition(
        "S14.129",
        "Central cord syndrome at unspecified level of cervical spinal cord",
        ("central cord syndrome",),
    ),
    Condition(
        "G11.4",
        "Hereditary spastic paraplegia",
        (
            "hereditary spastic paraplegia",
            "HSP",
            "FSP",
            "familial spastic paraplegia",
            "hereditary spastic paraparesis",
            "familial spastic paraparesis",
            "SPG4",
            "Strumpell-Lorrain",
        ),
    ),
    Condition("G12.23", "Primary lateral sclerosis", ("primary lateral sclerosis", "PLS")),
    Condition(
        "G12.2", "Motor neuron disease", ("motor neurone disease", "motor neuron disease", "MND", "ALS")
    ),
    Condition(
        "G37.3",
        "Acute transverse myelitis in demyelinating disease of central nervous system",
        ("transverse myelitis",),
    ),
    Condition("G36.0", "Neuromyelitis optica [Devic]", ("neuromyelitis optica", "NMO", "NMOSD")),
    Condition("G25.82", "Stiff-man syndrome", ("stiff person syndrome", "stiff man syndrome")),
    Condition("G04.1", "Tropical spastic paraplegia", ("tropical spastic paraparesis", "HTLV-1 myelopathy")),
)


#: The description of each code, as the code set gives it (a spinal cord injury's level adds three).
ICD10CM_DESCRIPTIONS: dict[str, str] = {c.code: c.description for c in CONDITIONS} | {
    "S14.10": "Unspecified injury of cervical spinal cord",
    "S24.10": "Unspecified injury of thoracic spinal cord",
    "S34.10": "Unspecified injury to lumbar spinal cord",
}


#: ICD-10-CM blocks and codes of each category (S2's conditions), most specific first; every other code
#: of chapter 6 (diseases of the nervous system) is `other_neurologic`, and so are the leukodystrophies.
_CATEGORY_PREFIXES: tuple[tuple[str, str], ...] = (
    ("G80", "cerebral_palsy"),
    ("G35", "multiple_sclerosis"),
    ("G82", "spinal_cord_injury"),
    ("S14.1", "spinal_cord_injury"),
    ("S24.1", "spinal_cord_injury"),
    ("S34.1", "spinal_cord_injury"),
    ("I6", "stroke"),
    ("S06", "acquired_brain_injury"),
    ("G93.1", "acquired_brain_injury"),
    ("G11.4", "hereditary_spastic_paraplegia"),
    ("G", "other_neurologic"),
    # Leukodystrophies are coded as metabolic disorders (chapter 4) but are conditions of the nervous
    # system that cause spasticity.
    ("E71.52", "other_neurologic"),
    ("E75.2", "other_neurologic"),
)


def category_of(code: str) -> str | None:
    """The `primary_condition` code an ICD-10-CM code falls under, or None outside S2's conditions."""
    for prefix, category in _CATEGORY_PREFIXES:
        if code.startswith(prefix):
            return category
    return None


# Other guidance's follow-up questions (other-guidance.md): phrases made from a rule ---------------------
#: Spinal cord levels as the International Standards for Neurological Classification of Spinal Cord Injury
#: (ISNCSCI) name them: C1-C8, T1-T12, L1-L5, S1-S5. The label's warning (L4) is for injury "at T6 or above":
#: every cervical level and T1 to T6 are; T7 and below are not. A level is read, never guessed.
def _levels(*segments: tuple[str, int, int]) -> tuple[str, ...]:
    """`T4`, `T 4` and two neighbouring levels as notes write them (`C5/6`), for each level in the ranges."""
    found: list[str] = []
    for segment, first, last in segments:
        for n in range(first, last + 1):
            found += [f"{segment}{n}", f"{segment} {n}"]
            if n < last:
                found.append(f"{segment}{n}/{n + 1}")
    return tuple(found)


_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven")


def _spans(numbers: range, units: tuple[str, ...], fraction: int = 0) -> tuple[str, ...]:
    """Times since an injury: `8 months`, `8mths`, `eight months`, and the notes' fraction (`8/12` is
    eight twelfths of a year, `6/52` six weeks) when `fraction` is given."""
    found: list[str] = []
    for n in numbers:
        words = [str(n), *([_NUMBER_WORDS[n - 1]] if n <= len(_NUMBER_WORDS) else [])]
        found += [f"{w} {unit}" for w in words for unit in units]
        found += [f"{n}{unit}" for unit in units]
        if fraction and n < 2 * fraction:
            found.append(f"{n}/{fraction}")
    return tuple(dict.fromkeys(found))


_MONTHS = ("months", "month", "mths", "mth", "mnths", "mo", "mos")
_WEEKS = ("weeks", "week", "wks", "wk")
_YEARS = ("years", "year", "yrs", "yr")


#: Words that bound a value from above (`less than a year`, `below T6`) or from below (`over 6 months`,
#: `T7 and above`). A bound that lies on one side of the answer is a phrase of that answer (below); one that
#: may fall either side is asked back (the questions' `bound_cues`, made of these words).
LESS_THAN = ("less than", "under", "below", "within", "fewer than", "up to", "at most", "no more than", "<")
MORE_THAN = ("more than", "over", "greater than", "longer than", "at least", "beyond", ">")
LOWER_THAN = ("below", "lower than", "under", "sub", "infra", "caudal to")
HIGHER_THAN = ("above", "higher than", "rostral to")
#: Written after a level or a time: inclusive bounds (`T6 or above`, `12 months or more`).
AND_HIGHER = ("or above", "and above", "or higher", "and higher")
AND_LOWER = ("or below", "and below", "or lower", "and lower")
OR_MORE = ("or more", "and more", "+")
TIME_BOUNDS = (*LESS_THAN, *MORE_THAN, *OR_MORE, "or less", "and less")
LEVEL_BOUNDS = (*LOWER_THAN, *HIGHER_THAN, *AND_HIGHER, *AND_LOWER, "at or above", "at or below")


def _times(months: range, weeks: range, days: range, years: range) -> tuple[str, ...]:
    """Times in their usual words (`6 months`, `six months`, `6/12`, `3 weeks`, `2 years`), for bounds."""
    return (
        *_spans(months, ("months", "month", "mths"), fraction=12),
        *_spans(weeks, ("weeks", "wks"), fraction=52),
        *_spans(days, ("days",)),
        *_spans(years, ("years", "yrs")),
    )


#: Bounds of the time since a traumatic brain injury that lie on one side of a year (L2): under a year
#: (`less than 12 months`, `within 6 weeks`) or a year and more (`over a year`, `at least 12 months`).
TIME_UNDER_A_YEAR = tuple(
    f"{bound} {time}"
    for bound in LESS_THAN
    for time in ("a year", "1 year", "one year", *_times(range(1, 13), range(1, 53), range(1, 91), range(0)))
)
TIME_A_YEAR_OR_MORE = (
    *(
        f"{bound} {time}"
        for bound in MORE_THAN
        for time in ("a year", "1 year", "one year", *_times(range(12, 61), range(0), range(0), range(1, 61)))
    ),
    *(f"{time} {bound}" for bound in OR_MORE for time in ("a year", "1 year", "12 months")),
)


def _time_ranges(under: bool) -> tuple[str, ...]:
    """Ranges and alternatives of months (and years) whose two ends lie on one side of a year: `2-3 months`,
    `6 to 9 mths`, `between 18 and 24 months`, `1-2 years`. One across a year (`6-18 months`) is no phrase:
    the reader asks it back (`_pipeline._ranges`)."""
    found: list[str] = []
    spans = [(n, m, unit) for n in range(1, 37) for m in range(n + 1, 37) for unit in ("months", "mths")]
    if not under:
        spans += [(n, m, unit) for n in range(1, 11) for m in range(n + 1, 11) for unit in ("years", "yrs")]
    for n, m, unit in spans:
        whole_years = unit in ("years", "yrs")
        if whole_years or (m < 12 if under else n >= 12):
            found += [
                f"{n}-{m} {unit}",
                f"{n} to {m} {unit}",
                f"between {n} and {m} {unit}",
                f"{n} or {m} {unit}",
            ]
    return tuple(found)


_ORDER = [
    f"{segment}{n}" for segment, last in (("C", 8), ("T", 12), ("L", 5), ("S", 5)) for n in range(1, last + 1)
]
_AT_OR_ABOVE_T6 = frozenset(_ORDER[: _ORDER.index("T6") + 1])


def _one_side(levels: Iterable[str], yes: bool) -> bool:
    """Some levels, every one at or above T6 (`yes`) or every one below it."""
    sides = {level in _AT_OR_ABOVE_T6 for level in levels}
    return sides == {yes}


def _level_ranges(yes: bool) -> tuple[str, ...]:
    """Ranges and alternatives of cord levels on one side of T6: `C4-5`, `C5 to C7`, `T2/3`, `T10 or 11`,
    `T12-L1` (at or above T6 if `yes`, below it if not). One across T6 (`T5-7`) is no phrase: asked back."""
    found: list[str] = []
    for i, a in enumerate(_ORDER):
        for b in _ORDER[i + 1 :]:
            if not _one_side((a, b), yes):
                continue
            ends = [b, b[1:]] if a[0] == b[0] else [b]
            found += [f"{a}{joiner}{end}" for end in ends for joiner in ("-", " to ", "/", " or ")]
    return tuple(dict.fromkeys(found))


def _level_bounds(yes: bool) -> tuple[str, ...]:
    """Bounds on a cord level that lie on one side of T6 (L4): `above T7`, `T6 or above`, `at or above
    T4` are at T6 or above; `below T6`, `lower than T6`, `infra-T6`, `T7 or below` are not. A bound on both
    sides (`above T10`, `below T4`, `T7 and above`) is made no phrase: its cue asks it back."""
    order = _ORDER
    found: list[str] = []
    for i, level in enumerate(order):
        spaced = f"{level[0]} {level[1:]}"
        sides = {
            "higher": (order[:i], [f"{w} {lv}" for w in HIGHER_THAN for lv in (level, spaced)]),
            "higher or at": (
                order[: i + 1],
                [f"{lv} {w}" for w in AND_HIGHER for lv in (level, spaced)] + [f"at or above {level}"],
            ),
            "lower": (
                order[i + 1 :],
                [f"{w} {lv}" for w in LOWER_THAN for lv in (level, spaced)]
                + [f"{w}-{level}" for w in ("sub", "infra")],
            ),
            "lower or at": (
                order[i:],
                [f"{lv} {w}" for w in AND_LOWER for lv in (level, spaced)] + [f"at or below {level}"],
            ),
        }
        for levels, words in sides.values():
            if _one_side(levels, yes):
                found += words
    return tuple(dict.fromkeys(found))


# Answers of the other questions: {field: {option code: phrases}} ------------------------------------------
#: Sources, by list:
#: - oral drugs: the BNF's skeletal muscle relaxants (baclofen, tizanidine, dantrolene, diazepam) with UK
#:   and US brand names (Lioresal, Lyflex, Zanaflex, Dantrium);
#: - botulinum toxins: the licensed toxin products and their abbreviations (onabotulinumtoxinA Botox,
#:   abobotulinumtoxinA Dysport, incobotulinumtoxinA Xeomin, rimabotulinumtoxinB Myobloc/NeuroBloc);
#: - rehabilitation: the professions of a spasticity team (physiotherapy, occupational therapy) and their
#:   usual treatments (stretching, splinting, serial casting, orthoses);
#: - surgery: spasticity operations (selective dorsal rhizotomy, tendon lengthening or release,
#:   tenotomy, osteotomy, neurotomy);
#: - mobility: walking aids and orthoses mean ambulatory; wheelchair use, hoisting, bed-bound and GMFCS
#:   levels IV-V mean not (Palisano et al., the Gross Motor Function Classification System);
#: - interference, goals: the words of S1 and S6/S8 and of spasticity goal-setting (pain, spasms, gait,
#:   seating, hygiene, transfers, upper limb, sleep, contractures);
#: - the yes/no questions: the words of their own question and the conditions it asks about.
TERMS: dict[str, dict[str, tuple[str, ...]]] = {
    # Diagnoses that name a category but no one ICD-10-CM code (the code set has no spinal cord injury of
    # unknown level; an acquired brain injury may or may not be traumatic). A level (`T6`) gives the code.
    "primary_condition": {
        "spinal_cord_injury": (
            "spinal cord damage",
            "traumatic SCI",
            "spinal cord lesion",
            "cord lesion",
        ),
        "acquired_brain_injury": ("brain damage",),
    },
    "disease_course": {
        "stable": (
            "unchanged",
            "settled",
            "plateaued",
            "no change",
            "no change for years",
            "not changed",
            "steady",
            "static for years",
            "no deterioration",
            "no progression",
            "no relapses",
            "condition stable",
        ),
        "progressive": (
            "declining",
            "slowly worsening",
            "secondary progressive",
            "primary progressive",
            "SPMS",
            "PPMS",
            "progression",
            "deterioration",
            "gradual decline",
            "worse",
            "worse each year",
            "steady decline",
            "decline",
            "progressed",
            "deteriorated",
            "gradually worse",
            "slowly progressive",
            "progressing slowly",
            "EDSS up",
        ),
    },
    "interference": {
        "comfort": (
            "pain",
            "painful",
            "spasms",
            "spasm",
            "cramps",
            "cramp",
            "uncomfortable",
            "sore",
            "aching",
            "spasms at night",
            "night spasms",
            "painful spasms",
        ),
        "function": (
            "functional tasks",
            "hand function",
            "upper limb",
            "arm function",
            "use of arms",
            "use of hands",
            "reaching",
            "grasping",
            "hand use",
            "writing",
            "use of hand",
        ),
        "adl": (
            "dressing",
            "washing",
            "feeding",
            "eating",
            "toileting",
            "bathing",
            "grooming",
            "showering",
            "hygiene",
            "toilet",
            "dressing and washing",
        ),
        "mobility": (
            "walking",
            "walk",
            "gait",
            "getting about",
            "getting around",
            "ambulation",
            "transfers",
            "transferring",
            "stairs",
            "mobilising",
            "mobilizing",
            "moving around",
            "falls",
            "falling",
            "balance",
            "trips",
            "tripping",
            "get about",
            "getting out",
            "walking distance",
            "scissoring gait",
            "toe walking",
            "can't get about",
            "cannot get about",
            "can't walk",
            "cannot walk",
            "unable to walk",
            "difficulty walking",
            "can't stand",
            "unable to stand",
        ),
        "positioning": (
            "sitting",
            "position",
            "lying",
            "sitting balance",
            "wheelchair seating",
            "in bed",
            "chair",
            "wheelchair",
            "w/c",
            "bed",
            "sitting out",
            "seated",
            "slides out",
            "posture in chair",
        ),
        "caregiver_assistance": (
            "care burden",
            "hoisting",
            "handling",
            "cares",
            "carers struggle",
            "parents",
            "family",
        ),
        "none": ("none at all",),
    },
    "ambulatory": {
        "yes": (
            "walk",
            "mobile",
            "mobilises",
            "mobilizes",
            "mobilising",
            "mobilizing",
            "independently mobile",
            "walks with frame",
            "walks with aids",
            "independent ambulator",
            "ambulator",
            "walks independently",
            "walks unaided",
            "independently ambulant",
        ),
        "no": (
            "wheelchair",
            "wheelchair user",
            "wheelchair bound",
            "wheelchair-bound",
            "in a wheelchair",
            "chair bound",
            "chairbound",
            "hoisted",
            "hoist",
            "bed-bound",
            "bedbound",
            "bed bound",
            "GMFCS IV",
            "GMFCS V",
            "GMFCS 4",
            "GMFCS 5",
            "GMFCS level IV",
            "GMFCS level V",
            "immobile",
            "powerchair",
            "electric wheelchair",
            "full hoist",
            "w/c user",
            "full-time w/c user",
            "full time wheelchair",
            "full-time wheelchair",
            "wheelchair dependent",
            "non-walker",
            "does not walk",
            "doesn't walk",
            "unable to walk",
            "cannot walk",
            "can't walk",
        ),
    },
    "growth_complications": {
        "limb_deformity": (
            "contracture",
            "contractures",
            "equinus",
            "foot deformity",
            "windswept",
            "torsion",
            "fixed equinus",
            "equinovarus",
            "pes planovalgus",
            "planovalgus",
            "foot deformities",
            "fixed deformity",
            "hamstring contractures",
            "tight TAs",
            "toe walker",
            "toe walking",
            "contractures at knees",
        ),
        "joint_dislocation": (
            "dislocated",
            "subluxed",
            "hip migration",
            "migration percentage",
            "hip displacement",
            "MP",
            "subluxed hips",
            "hips subluxing",
            "displaced hip",
        ),
        "poor_motor_function": (
            "motor delay",
            "delayed motor skills",
            "motor skills",
            "gross motor",
            "delayed milestones",
            "delayed motor milestones",
            "motor milestones",
            "gross motor skills",
            "poor gross motor skills",
            "fine motor",
            "not sitting independently",
            "GMFCS IV",
            "GMFCS V",
            "GMFCS III",
            "GMFCS 4",
            "GMFCS 5",
        ),
    },
    "prior_treatments": {
        "oral_antispasticity": (
            "medication",
            "Lioresal",
            "Lyflex",
            "Zanaflex",
            "Dantrium",
            "tablets",
            "muscle relaxants",
            "antispasmodics",
            "antispasticity medication",
            "tiz",
            "clonazepam",
            "baclofen tablets",
            "liquid baclofen",
        ),
        "botulinum_toxin": (
            "myobloc",
            "neurobloc",
            "onabotulinumtoxinA",
            "abobotulinumtoxinA",
            "incobotulinumtoxinA",
            "botulinum",
            "toxin injections",
            "BoNTA",
            "BTA",
        ),
        "rehabilitation": (
            "stretching",
            "stretches",
            "splinting",
            "splints",
            "serial casting",
            "casting",
            "hydrotherapy",
            "neurorehab",
            "orthoses",
            "AFOs",
            "exercise programme",
            "exercise program",
            "therapies",
        ),
        "surgery": (
            "tendon transfer",
            "tenotomy",
            "osteotomy",
            "hamstring release",
            "hamstring lengthening",
            "adductor release",
            "achilles lengthening",
            "TAL",
            "SEMLS",
            "multilevel surgery",
            "neurotomy",
            "hip surgery",
            "VDRO",
        ),
        "none": (
            "nothing yet",
            "treatment naive",
            "treatment-naive",
            "untreated",
            "no treatment",
            "nil so far",
            "no previous treatment",
            "no treatment to date",
            "no tx to date",
            "no tx",
            "never had any treatment",
            "nothing tried",
            "none tried",
            "none tried yet",
            "no prior treatment",
        ),
    },
    "cognitive_impairment": {
        "yes": (
            "cognitive impairment",
            "cognitive problems",
            "cognitive difficulties",
            "confused",
        ),
        "no": (
            "normal cognition",
            "unimpaired",
            "has capacity",
            "alert and orientated",
            "alert and oriented",
            "sharp",
            "fine cognitively",
            "no cognitive issues",
            "no cognitive concerns",
            "no concerns re cognition",
            "cognition normal",
            "cognition intact",
            "cognitively normal",
            "at university",
        ),
    },
    "baclofen_reaction": {
        "none": (
            "tolerated",
            "tolerates",
            "tolerated well",
            "tolerating",
            "fine on baclofen",
            "no problems",
            "no issues",
            "nkda",
            "never had baclofen",
            "not tried",
            "baclofen naive",
            "nil known",
            "no adverse reactions",
            "no adverse effects",
            "no known reaction",
        ),
        "oral_side_effects": (
            "adverse effect",
            "sedated",
            "sleepy",
            "weak",
            "dizzy",
            "confused",
            "lethargy",
            "lethargic",
            "tired",
            "fatigue",
            "nausea",
            "SEs",
            "s/e",
            "couldn't tolerate",
            "could not tolerate",
            "unable to tolerate",
            "didn't tolerate",
            "did not tolerate",
            "not tolerated",
            "poorly tolerated",
            "floppy",
            "made him floppy",
            "made her floppy",
        ),
        "recorded_allergy": (
            "allergy on record",
            "allergy listed",
            "allergy recorded",
            "on allergy list",
            "allergy label",
            "labelled allergic",
            "labeled allergic",
            "listed as allergic",
            "listed as allergy",
            "unconfirmed",
            "unverified",
            "never verified",
            "not verified",
            "recorded as allergy",
            "recorded as an allergy",
            "recorded as allergic",
            "coded as allergy",
        ),
        "confirmed_hypersensitivity": (
            "proven allergy",
            "genuine allergy",
        ),
    },
    "active_infection": {
        "yes": (
            "infective",
            "UTI",
            "UTIs",
            "urine infection",
            "chest infection",
            "LRTI",
            "pneumonia",
            "cellulitis",
            "sepsis",
            "septic",
            "abscess",
            "osteomyelitis",
            "wound infection",
            "infected pressure sore",
            "infected sore",
            "MRSA",
            "C diff",
            "infected wound",
            "line infection",
            "meningitis",
            "chest sepsis",
            "urosepsis",
            "cystitis",
            "pyelonephritis",
            "C. diff",
            "on oral vanc",
            "vanc",
        ),
        "no": (
            "infection free",
            "infection-free",
            "no current infection",
            "no infections",
            "colonised",
            "colonized",
            "prophylactic",
            "prophylaxis",
            "urine clear",
            "chest clear",
            "skin intact",
            "now well",
            "infection cleared",
            "colonised with MRSA",
            "MRSA colonised",
            "MRSA colonisation",
            "colonized with MRSA",
            "prophylactic nitrofurantoin",
            "prophylactic antibiotics",
            "prophylactic abx",
            "completed abx",
            "completed antibiotics",
            "finished abx",
            "finished antibiotics",
            "course completed",
            "now fine",
            "none now",
            "none currently",
            "nil now",
            "none at present",
            "cleared",
            "resolved",
            "all clear",
        ),
    },
    "goals": {
        "reduce_pain_or_spasms": (
            "comfort",
            "painful spasms",
            "cramps",
            "clonus",
            "discomfort",
            "without spasms",
            "without pain",
            "spasm free",
            "spasm-free",
            "pain free",
            "pain-free",
            "free of spasms",
            "free of pain",
            "no more spasms",
            "fewer spasms",
            "less pain",
            "night spasms",
            "nocturnal spasms",
        ),
        "ease_care_and_hygiene": (
            "catheter care",
            "washing",
            "dressing",
            "nappy changes",
            "continence care",
            "ease of care",
            "cares",
            "toileting",
            "carer burden",
            "reduce carer burden",
            "diaper changes",
            "nappy",
            "easier to wash",
            "easier to dress",
            "wash and dress",
            "wash",
            "dress",
        ),
        "improve_positioning": (
            "sitting",
            "sitting balance",
            "position in bed",
            "wheelchair seating",
            "lying",
            "sit better",
            "sit in her chair",
            "sit in his chair",
            "sit in chair",
            "seating in w/c",
            "w/c seating",
        ),
        "improve_transfers": (
            "standing transfers",
            "sit to stand",
            "bed to chair",
        ),
        "improve_walking": (
            "mobility",
            "walking distance",
            "walk further",
            "walk independently",
        ),
        "improve_upper_limb_function": (
            "hand",
            "hands",
            "reach",
            "grip",
            "grasp",
            "grasping",
            "reach and grasp",
            "reaching",
        ),
        "improve_sleep": (
            "sleeping",
            "sleep better",
            "waking her at night",
            "waking him at night",
            "sleep through",
        ),
        "prevent_deformity": (
            "hip migration",
            "hip surveillance",
            "scoliosis progression",
            "maintain ROM",
            "range of movement",
            "range of motion",
            "feet deforming",
            "stop deformity",
            "deforming",
        ),
    },
    "goals_realistic": {
        "yes": (
            "appropriate",
            "achievable",
            "reasonable",
            "sensible",
            "accept",
            "accepts",
            "understand",
            "understands",
            "understood",
            "no concerns about expectations",
            "expectations realistic",
            "well informed",
            "not unreasonable",
            "now realistic",
        ),
        "no": (
            "over-optimistic",
            "overly optimistic",
            "too high",
            "expect a cure",
            "expects a cure",
            "expecting a cure",
            "want a cure",
            "wants a cure",
            "unachievable",
            "not achievable",
            "inappropriate",
            "will restore",
            "restore his speech",
            "expects to walk again",
            "cure",
        ),
    },
    "mental_health": {
        "none": (
            "no issues",
            "no mental health issues",
            "no psych history",
            "no psych hx",
            "no psychiatric history",
            "nil psych",
            "no mh issues",
            "no known MH problems",
            "no mental health concerns",
            "no MH problems",
            "no known mental health problems",
            "no current issues",
            "well for 15 yrs",
        ),
        "managed": (
            "stable",
            "settled",
            "stable on treatment",
            "stable on medication",
            "under control",
            "engaging",
            "under CMHT",
            "treated",
            "on treatment",
            "on medication",
            "in remission",
            "remission",
            "coping well",
            "engaged with psychology",
            "engaged",
            "sees psychologist",
            "stable 3 yrs",
        ),
        "unmanageable": (
            "poorly managed",
            "unstable",
            "recent admission",
            "recent admissions",
            "repeated admissions",
            "multiple admissions",
            "admitted",
            "sectioned",
            "in crisis",
            "crisis",
            "active psychosis",
            "acutely unwell",
            "relapsing",
            "deteriorating",
            "not engaging",
            "disengaged",
            "self-harm",
            "suicidal",
            "overdose",
            "detained",
            "detained under the Mental Health Act",
            "inpatient on psych ward",
            "psych ward",
            "not coping",
            "crisis team",
            "multiple crisis team contacts",
            "relapsed",
            "not taking depot",
            "treatment-resistant",
            "still very low",
            "ECT",
        ),
    },
    "psychosocial_compliance_concerns": {
        "yes": (
            "concerns",
            "concern",
            "concerned",
            "issues",
            "problems",
            "barriers",
            "nonadherent",
            "non-compliant",
            "noncompliant",
            "missed appointments",
            "misses appointments",
            "poor support",
            "unreliable",
            "chaotic",
            "homeless",
        ),
        "no": (
            "good support",
            "supportive family",
            "well supported",
            "reliable",
            "compliant",
            "adherent",
            "attends",
            "attends reliably",
            "good attendance",
            "good family support",
            "family support",
            "will escort",
            "escort him",
            "escort her",
            "nursing home staff",
            "no previous DNAs",
            "no DNAs",
            "never DNAs",
            "always attends",
            "attending reliably",
            "attending",
            "settled now",
        ),
    },
    "financial_burden": {
        "yes": (
            "concern",
            "concerns",
            "issue",
            "issues",
            "problem",
            "problems",
            "worry",
            "worries",
            "burden",
            "financial burden",
            "financial concerns",
            "money worries",
            "struggling financially",
            "can't afford",
            "cannot afford",
            "can not afford",
            "unaffordable",
            "uninsured",
            "a concern",
        ),
        "no": (
            "NHS funded",
            "fully funded",
            "fully covered",
            "insured",
            "covered by insurance",
            "Medicaid covers it",
            "covered",
            "Medicaid",
            "Medicare",
            "insurance covers",
            "has coverage",
            "coverage",
            "they'll manage",
            "will manage",
            "can manage",
        ),
    },
    "hydrocephalus_shunt": {
        "yes": (
            "shunt",
            "VP shunt",
            "VP",
            "ventriculoperitoneal shunt",
            "VA shunt",
            "LP shunt",
            "programmable shunt",
            "shunt in situ",
            "has a shunt",
        ),
        "no": (
            "never shunted",
            "no hydrocephalus",
            "never had hydrocephalus",
        ),
    },
    "seizures": {
        "yes": (
            "seizure",
            "fits",
            "convulsions",
            "convulsion",
            "febrile convulsions",
            "febrile seizures",
            "absence seizures",
            "tonic clonic",
            "status epilepticus",
            "seizure disorder",
            "infantile spasms",
            "seizure free",
            "seizure-free",
            "fit free",
            "fit-free",
            "seizures controlled",
        ),
        "no": (
            "never",
            "never had a seizure",
            "no seizures ever",
        ),
    },
    "abdominal_pelvic_surgery": {
        "yes": (
            "operation",
            "operations",
            "abdominal surgery",
            "pelvic surgery",
            "abdominal operation",
            "surgeries",
            "procedure",
            "appendix out",
            "TAH BSO",
            "TAH",
            "ex-lap",
            "exploratory laparotomy",
        ),
        "no": (
            "no previous ops",
            "no ops",
            "no operations",
            "never had surgery",
        ),
    },
    # Other guidance's follow-ups. The level: ISNCSCI's levels (above), and the words for a cord injury's
    # height (tetraplegia is a cervical injury, the conus and cauda equina lie below T12).
    "sci_level_t6_or_above": {
        "yes": (
            *_levels(("C", 1, 8), ("T", 1, 6)),
            "tetraplegic",
            "quadriplegia",
            "quadriplegic",
            "high thoracic",
            "upper thoracic",
            "cervical cord",
            "cervical SCI",
            "cervical injury",
            "cervical cord injury",
            "C spine",
            "broken neck",
            *_level_bounds(yes=True),
            *_level_ranges(yes=True),
        ),
        "no": (
            *_levels(("T", 7, 12), ("L", 1, 5), ("S", 1, 5)),
            *_level_bounds(yes=False),
            *_level_ranges(yes=False),
            "conus",
            "conus medullaris",
            "cauda equina",
            "lower thoracic",
            "thoracolumbar",
            "lumbosacral",
            "sacral",
        ),
    },
    # The label's year after a traumatic brain injury (L2): a time since the injury under a year or not
    # (months, weeks, days, years; `8/12` and `6/52` as notes write months and weeks), and the causes of an
    # acquired brain injury that are not trauma (hypoxia, infection: the British Society of Rehabilitation
    # Medicine's categories of acquired brain injury).
    "tbi_within_year": {
        # The words as written first, then those made by rule (the data dictionary lists the first few).
        "yes": (
            "within a year",
            "within the last year",
            "in the last year",
            "in the past year",
            "almost a year",
            "nearly a year",
            "just under a year",
            "half a year",
            "a month ago",
            "last month",
            "this month",
            "a few months",
            "few months",
            "a couple of months",
            "a few weeks",
            "weeks ago",
            "days ago",
            *_spans(range(1, 12), _MONTHS, fraction=12),
            *_spans(range(1, 52), _WEEKS, fraction=52),
            *_spans(range(1, 91), ("days",)),
            *TIME_UNDER_A_YEAR,
            *_time_ranges(under=True),
        ),
        "no": (
            "a year",
            "a year ago",
            "over a year ago",
            "years ago",
            "hypoxic",
            "hypoxic injury",
            "hypoxic brain injury",
            "hypoxic ischaemic",
            "hypoxic-ischaemic",
            "HIE",
            "anoxic",
            "anoxic brain injury",
            "cardiac arrest",
            "near drowning",
            "encephalitis",
            "meningitis",
            "non-traumatic",
            "nontraumatic",
            "atraumatic",
            "not a TBI",
            # Acquired brain injuries other than trauma (BSRM's categories): vascular, tumour, inflammatory.
            # Beside a time (`stroke 2 months ago`) they fit both answers, and are asked back.
            "stroke",
            "CVA",
            "SAH",
            "subarachnoid haemorrhage",
            "subarachnoid hemorrhage",
            "aneurysmal SAH",
            "ICH",
            "intracerebral haemorrhage",
            "intracerebral hemorrhage",
            "brain tumour",
            "brain tumor",
            "tumour",
            "tumor",
            "ADEM",
            "encephalopathy",
            *TIME_A_YEAR_OR_MORE,
            *_spans(range(12, 61), _MONTHS),
            *(f"{n}/12" for n in range(12, 25)),
            *_spans(range(1, 61), _YEARS),
            *_time_ranges(under=False),
        ),
    },
    # NICE CG145's caution (N4): spasticity that supports function, as therapists write it (tone used to
    # stand, transfer or walk; extensor tone "used functionally").
    "relies_on_spasticity": {
        "yes": (
            *(
                f"{verb} {whose}{what}"
                for verb in ("relies on", "rely on", "relying on", "reliant on", "dependent on", "depends on")
                + ("uses", "use", "using", "needs", "need")
                for whose in ("", "his ", "her ", "their ", "the ")
                for what in (
                    "spasticity",
                    "tone",
                    "extensor tone",
                    "extensor spasticity",
                    "spasms",
                    "stiffness",
                )
            ),
            *(
                f"{verb} on {whose}{what}"
                for verb in ("stands", "walks", "transfers")
                for whose in ("", "his ", "her ", "their ")
                for what in ("tone", "spasticity", "extensor tone")
            ),
            *(
                f"{what} helps {whom}"
                for what in ("tone", "spasticity", "extensor tone", "extensor spasticity", "the tone")
                for whom in (
                    *(
                        f"{who} {act}"
                        for who in ("him", "her", "them")
                        for act in ("stand", "walk", "transfer")
                    ),
                    "with standing",
                    "with walking",
                    "with transfers",
                )
            ),
            "rely on it",
            "relying on it",
            "used functionally",
            "uses it functionally",
            "uses it to stand",
            "uses it to transfer",
            "uses it for transfers",
            "uses it to walk",
            "functional tone",
            "functional spasticity",
            "tone is functional",
            "spasticity is functional",
            "useful tone",
        ),
        "no": (
            "no functional benefit",
            "tone is unhelpful",
            "unhelpful tone",
            "tone gets in the way",
            "spasticity gets in the way",
            "tone hinders",
            "spasticity hinders",
            "hindrance",
            "not reliant",
        ),
    },
    # NICE CG145's contraindications and potential contraindications in children (N1, N2) and its advice
    # on a likely spinal fusion (N3), with the conditions as paediatric notes name them.
    "child_surgical_risks": {
        "too_small_for_pump": (
            "too small for pump",
            "too small for an ITB pump",
            "too small for the pump",
            "small for a pump",
            "not big enough for a pump",
            "too thin for a pump",
            "insufficient body mass",
        ),
        "coagulation_disorder": (
            "haemophilia",
            "hemophilia",
            "von Willebrand",
            "von Willebrand disease",
            "vWD",
            "clotting disorder",
            "bleeding tendency",
            "thrombocytopenia",
            "low platelets",
            "platelet disorder",
        ),
        "malnutrition": (
            "poor nutrition",
            "poor nutritional status",
            "cachexic",
            "cachectic",
        ),
        "respiratory_failure_risk": (
            "home ventilation",
            "on home ventilation",
            "ventilated",
            "ventilated at night",
            "nocturnal ventilation",
            "NIV",
            "BiPAP",
            "tracheostomy",
            "chronic lung disease",
            "restrictive lung disease",
            "poor respiratory reserve",
            "respiratory insufficiency",
            "type 2 respiratory failure",
        ),
        "previous_spinal_fusion": (
            # A previous fusion is the past itself: these hold their cue, so the question's "now" keeps them.
            "history of spinal fusion",
            "h/o spinal fusion",
            "previously had spinal fusion",
            "previously had a spinal fusion",
            "s/p spinal fusion",
            "status post spinal fusion",
            "spinal fusion in the past",
            "post spinal fusion",
            "had a spinal fusion",
            "has had a spinal fusion",
            "has had spinal fusion",
            "after spinal fusion",
            "spinal fusion done",
            "fused spine",
            "spine fused",
            "spinal rods",
            "rods in situ",
            "Harrington rods",
        ),
        "spinal_fusion_likely": (
            "likely to need spinal fusion",
            "likely to need a spinal fusion",
            "will need spinal fusion",
            "will need a spinal fusion",
            "needs spinal fusion",
            "needs a spinal fusion",
            "spinal fusion needed",
            "awaiting spinal fusion",
            "listed for spinal fusion",
            "referred for spinal fusion",
            "scoliosis surgery planned",
            "scoliosis surgery likely",
        ),
        "none": (
            "no risks",
            "no concerns",
            "none apply",
            "nil of note",
            "no contraindications",
        ),
    },
    # NICE's uncontrolled epilepsy (N2): seizure control as epilepsy clinics write it (seizure free,
    # breakthrough, refractory or drug-resistant epilepsy, in the ILAE's terms).
    "seizures_controlled": {
        "yes": (
            "well-controlled",
            "controlled on",
            "well controlled on",
            "seizure-free",
            "fit free",
            "fit-free",
            "no seizures",
            "no fits",
            "no recent seizures",
            "no seizures since",
            "no fits since",
            "stable on",
            "settled on",
            "good control",
            "good seizure control",
            "seizures controlled",
            "seizures well controlled",
            "controlled seizures",
            "in remission",
        ),
        "no": (
            "uncontrolled seizures",
            "poor control",
            "poor seizure control",
            "breakthrough",
            "breakthrough fits",
            "refractory",
            "refractory epilepsy",
            "intractable",
            "intractable epilepsy",
            "drug resistant",
            "drug-resistant",
            "frequent seizures",
            "daily seizures",
            "weekly seizures",
            "monthly seizures",
            "seizures daily",
            "seizures weekly",
            "seizures monthly",
            "ongoing seizures",
            "still having seizures",
            "still fitting",
            "still seizing",
        ),
    },
}


# Words that matter at a question without naming one option alone ----------------------------------------
#: {field: {concept: phrases}}. A concept's meaning (which option an affirmed or negated mention gives,
#: which follow-up it asks) is declared on its question in the catalogue.
CONCEPT_TERMS: dict[str, dict[str, tuple[str, ...]]] = {
    "interference": {
        # The question's own verb: "doesn't interfere with anything", "not troublesome" -> none.
        "interferes": (
            "interfere",
            "interferes",
            "interfering",
            "interference",
            "affect",
            "affects",
            "affecting",
            "troublesome",
            "problematic",
            "a problem",
            "problems",
            "an issue",
            "issues",
            "bother",
            "bothers",
            "limiting",
            "impact",
            "impacts",
            "bothering",
            "causing problems",
            "causing any problems",
            "functional impact",
            "troubling",
            "an issue for him",
            "an issue for her",
            "limiting factor",
        ),
        "ignore": (
            "spasticity mild",
            "mild spasticity",
            "mild tone",
            "mild tone only",
            "increased tone",
            "increased tone only",
            "tone only",
            "asymptomatic",
            "per pt",
            "L>R",
            "R>L",
        ),
    },
    "ambulatory": {
        # Walking that is not getting about: it says neither yes nor no.
        "not_walking": (
            "therapeutic walking",
            "therapeutic standing",
            "gait trainer",
            "walks in physio only",
        ),
        # Walking aids and orthoses: a walker's kit. "no frame" says nothing about walking.
        "aids": (
            "walking frame",
            "zimmer frame",
            "rollator",
            "walker",
            "crutches",
            "crutch",
            "sticks",
            "stick",
            "cane",
            "canes",
            "AFO",
            "AFOs",
            "orthoses",
            "KAFOs",
            "GMFCS I",
            "GMFCS II",
            "GMFCS III",
            "GMFCS 1",
            "GMFCS 2",
            "GMFCS 3",
            "GMFCS level I",
            "GMFCS level II",
            "GMFCS level III",
            "household ambulator",
            "community ambulator",
            "short distances",
            "indoors",
        ),
    },
    "active_infection": {
        # Signs of a current infection whose absence says nothing ("not on antibiotics" is not "no").
        "signs": (
            "antibiotics",
            "abx",
            "on antibiotics",
            "on abx",
            "IV antibiotics",
            "pyrexial",
            "febrile",
            "temperature",
            "raised CRP",
            "course of antibiotics",
            "trimethoprim",
            "nitrofurantoin",
            "amoxicillin",
            "co-amoxiclav",
            "flucloxacillin",
            "cefalexin",
            "doxycycline",
        ),
    },
    "baclofen_reaction": {
        # An allergy or hypersensitivity that needs the treating team's confirmation to say which option.
        "allergy": (
            "allergy",
            "allergic",
            "allergies",
            "hypersensitivity",
            "hypersensitive",
            "anaphylaxis",
            "anaphylactic",
            "rash",
            "hives",
            "urticaria",
            "angioedema",
            "allergic reaction",
        ),
        "confirmed": (
            "confirmed",
            "proven",
            "verified",
            "true",
            "genuine",
            "confirmed by allergy clinic",
            "tested positive",
            "positive challenge",
            "confirmed by the team",
        ),
        # Names that contain a word above but say nothing about it.
        "ignore": (
            "allergy clinic",
            "allergy team",
            "allergy service",
            "allergist",
            "allergy testing",
            "allergy tests",
            "GP record",
            "on GP record",
        ),
    },
    "primary_condition": {
        # What says a paralysis is a cord injury: its level (C5, T6, L1), an ASIA grade, or the trauma.
        "cord_signs": (
            *(f"{part}{n}" for part, top in (("C", 8), ("T", 12), ("L", 5)) for n in range(1, top + 1)),
            *(f"{scale} {grade}" for scale in ("ASIA", "AIS") for grade in "ABCD"),
            "fall",
            "a fall",
            "RTC",
            "RTA",
            "MVA",
            "MVC",
            "road traffic collision",
            "diving accident",
            "gunshot wound",
            "trauma",
            "traumatic",
        ),
    },
    "mental_health": {
        "disorder": (
            "mental health issues",
            "mental health problems",
            "mental illness",
            "mental health",
            "psychiatric history",
            "psych history",
            "psych hx",
            "depression",
            "depressed",
            "low mood",
            "anxiety",
            "anxious",
            "bipolar",
            "bipolar disorder",
            "schizophrenia",
            "schizoaffective",
            "psychosis",
            "psychotic",
            "PTSD",
            "OCD",
            "personality disorder",
            "EUPD",
            "BPD",
            "eating disorder",
            "anorexia",
            "panic attacks",
            "panic disorder",
            "adjustment disorder",
            "postnatal depression",
            "yes",
            "y",
            "yeah",
            "yep",
        ),
        "ignore": (
            "poorly controlled diabetes",
            "poorly controlled epilepsy",
            "for UTIs",
            "diabetes",
            "epilepsy",
        ),
    },
    "psychosocial_compliance_concerns": {
        "signs": (
            "transport",
            "transport problems",
            "lives alone",
            "poor adherence",
            "non-adherent",
            "alcohol",
            "substance misuse",
            "drug use",
            "safeguarding",
            "difficult to reach",
            "lives far",
            "long way",
            "long distance",
            "no car",
            "isolated",
            "carer strain",
            "family breakdown",
            "DNA",
            "DNAs",
            "lives 3 hrs away",
            "hrs away",
            "hours away",
            "no carer support",
            "poor attender",
            "DNA'd",
            "non-adherence",
            "struggling to cope",
            "social services",
            "missed several",
        ),
    },
    "financial_burden": {
        "signs": (
            "cost",
            "costs",
            "costly",
            "expensive",
            "afford",
            "financial",
            "money",
            "insurance",
            "travel costs",
            "funding",
            "benefits",
            "copay",
            "co-pay",
            "out of pocket",
            "debt",
        ),
    },
    "seizures": {
        "signs": (
            "levetiracetam",
            "keppra",
            "sodium valproate",
            "valproate",
            "epilim",
            "lamotrigine",
            "carbamazepine",
            "tegretol",
            "AEDs",
            "anti-epileptics",
            "antiepileptics",
            "clobazam",
            "phenytoin",
            "topiramate",
        ),
        "not_epileptic": (
            "non-epileptic",
            "non epileptic",
            "nonepileptic",
            "NEAD",
            "dissociative seizures",
            "pseudoseizures",
            "functional seizures",
        ),
        "ignore": (
            "for trigeminal neuralgia",
            "trigeminal neuralgia",
            "prophylactic",
            "prophylaxis",
            "for pain",
            "for neuropathic pain",
            "for mood",
        ),
    },
    "abdominal_pelvic_surgery": {
        # Operations elsewhere: they answer nothing here.
        "elsewhere": (
            "knee surgery",
            "hip surgery",
            "spinal surgery",
            "spinal fusion",
            "back surgery",
            "orthopaedic surgery",
            "orthopedic surgery",
            "eye surgery",
            "brain surgery",
            "heart surgery",
            "tendon surgery",
            "foot surgery",
            "SDR",
            "shunt surgery",
            "dental surgery",
            "tonsillectomy",
        ),
        "signs": (
            "appendicectomy",
            "appendectomy",
            "C-section",
            "caesarean",
            "cesarean",
            "caesarean section",
            "cesarean section",
            "laparotomy",
            "laparoscopy",
            "PEG",
            "PEG insertion",
            "gastrostomy",
            "hysterectomy",
            "hernia repair",
            "cholecystectomy",
            "bowel resection",
            "colostomy",
            "ileostomy",
            "stoma",
            "fundoplication",
            "nissen",
            "Mitrofanoff",
            "suprapubic catheter",
            "SPC",
            "bladder augmentation",
            "nephrectomy",
            "splenectomy",
            "gastric band",
            "LSCS",
            "lap chole",
            "hernia",
        ),
    },
    "cognitive_impairment": {
        "signs": (
            "dementia",
            "learning disability",
            "learning disabilities",
            "LD",
            "intellectual disability",
            "memory problems",
            "cognitive deficits",
            "poor memory",
            "lacks capacity",
            "global developmental delay",
            "GDD",
            "executive dysfunction",
            "minimally conscious state",
            "MCS",
            "PDOC",
            "vegetative state",
            "severe learning disability",
            "moderate learning disability",
        ),
    },
    "prior_treatments": {
        "ignore": (
            "stopped",
            "didn't help",
            "did not help",
            "no benefit",
            "not effective",
            "ineffective",
            "helped",
            "helpful",
            "some benefit",
            "good effect",
            "partial benefit",
            "limited benefit",
            "mg",
            "day",
            "LFTs deranged",
            "drowsy",
            "side effects",
            "x2",
            "x3",
            "x4",
            "biceps",
            "FDS",
            "gastrocs",
            "hamstrings",
            "adductors",
            "upper limb",
            "lower limb",
            "years ago",
            "yrs ago",
            "ago",
            "tried",
            "previously",
            "keen to go straight to ITB",
            "keen for ITB",
            "only",
            "just",
        ),
    },
    "growth_complications": {
        "ignore": (
            "L>R",
            "R>L",
            "ankles",
            "knees",
            "hips located",
            "scoliosis",
            "corrected with VDRO",
            "VDRO",
        ),
    },
    # A level that is none ("T" alone, "thoracic", "paraplegia" may be T1 or T12): asked back.
    "sci_level_t6_or_above": {
        "thoracic": ("T", "thoracic", "thoracic level", "mid thoracic", "paraplegia", "paraplegic")
    },
    # A trauma named without when: asked when.
    "tbi_within_year": {
        "traumatic": (
            "traumatic",
            "TBI",
            "traumatic brain injury",
            "head injury",
            "trauma",
            "RTA",
            "RTC",
            "road traffic accident",
            "road traffic collision",
            "MVA",
            "MVC",
            "car accident",
            "fall",
            "assault",
            "diffuse axonal injury",
            "DAI",
            "traumatic SAH",
            "traumatic subarachnoid haemorrhage",
            "traumatic ICH",
            "traumatic haemorrhage",
            "traumatic hemorrhage",
            "traumatic bleed",
        ),
    },
    # Around a child's risks, naming none: a spinal fusion alone may be done or to come.
    "child_surgical_risks": {
        "ignore": (
            "scoliosis",
            "kyphoscoliosis",
            "neuromuscular scoliosis",
            "weight",
            "weighs",
            "kg",
            "spinal fusion",
            "fusion",
            "PEG",
            "PEG fed",
            "gastrostomy",
            "NG fed",
            "tube fed",
        ),
    },
}
