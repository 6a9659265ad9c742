"""The questionnaire of screening-spec.md, declared once as data.

Every other part of ITB Screen (the dialogue, the validator, the exports) reads the questions from
here; nothing else lists them. Declarations are frozen and checked when this module is imported, so a
bad edit fails at start-up, not in the middle of a chat.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._question import (
    NONE_CODE,
    PAEDIATRIC_BELOW,
    AskedWhen,
    Concept,
    FollowUp,
    Kind,
    Option,
    Question,
    match_key,
)
from ._vocabulary import LEVEL_BOUNDS, TIME_BOUNDS

__all__ = [
    "FIELDS",
    "FOLLOW_UP_FIELDS",
    "NONE_CODE",
    "PAEDIATRIC_BELOW",
    "QUESTIONS",
    "QUESTIONS_BY_FIELD",
    "AskedWhen",
    "Concept",
    "FollowUp",
    "Kind",
    "Option",
    "Question",
    "asked_fields",
    "asked_questions",
    "field_label",
    "match_key",
    "position",
    "progress",
    "value_label",
]


_YES = ("y", "yeah", "yep", "yup")
_NO = ("n", "nope", "nah")

#: A negated "yes" is a no: "not infected", "no shunt", "not realistic".
_NEGATED_YES = (("yes", "no"),)


def _yes_no(
    yes: tuple[str, ...] = (), no: tuple[str, ...] = (), *, none_means_no: bool = True
) -> tuple[Option, ...]:
    """Yes and No with the short forms clinicians type; `nil`/`none` mean no only where nothing is
    what is asked about (no infection, no seizures), not for "is the patient ambulatory?"."""
    nothing = ("nil", "none", "none known", "nil known", "nothing known") if none_means_no else ()
    return (Option("yes", "Yes", _YES + yes), Option("no", "No", _NO + nothing + no))


QUESTIONS: tuple[Question, ...] = (
    Question(
        1,
        "age_years",
        "How old is the patient, in whole years?",
        "number",
        ("S5",),
        short="Age",
        minimum=0,
        maximum=120,
        unit="years",
        hint="A whole number, e.g. 8.",
    ),
    Question(
        2,
        "primary_condition",
        "What is the primary neurological condition causing the spasticity?",
        "one",
        ("S2",),
        short="Condition",
        options=(
            Option("cerebral_palsy", "Cerebral palsy", ("CP",)),
            Option("multiple_sclerosis", "Multiple sclerosis", ("MS",)),
            Option("spinal_cord_injury", "Spinal cord injury", ("SCI", "spinal injury", "cord injury")),
            Option(
                "acquired_brain_injury",
                "Acquired brain injury",
                (
                    "ABI",
                    "TBI",
                    "brain injury",
                    "traumatic brain injury",
                    "head injury",
                    "hypoxic brain injury",
                ),
            ),
            Option("stroke", "Stroke", ("CVA", "cerebrovascular accident", "post-stroke")),
            Option(
                "hereditary_spastic_paraplegia",
                "Hereditary spastic paraplegia",
                ("HSP", "FSP", "familial spastic paraplegia", "hereditary spastic paraparesis"),
            ),
            Option(
                "other_neurologic",
                "Other neurological condition",
                ("other", "other neuro", "other neurological"),
            ),
        ),
        concepts=(Concept("paralysis"), Concept("cord_signs")),
        follow_ups=(
            FollowUp(
                "paralysis",
                "Is it from a spinal cord injury?",
                yes="spinal_cord_injury",
                no=None,
                answer="cord_signs",
            ),
        ),
    ),
    Question(
        2,
        "tbi_within_year",
        "Was it a traumatic brain injury less than a year ago?",
        "one",
        ("L2",),
        short="TBI under a year ago",
        hint="No = not traumatic (hypoxic, for example), or a year or more since the injury.",
        asked_when=AskedWhen("primary_condition", equals="acquired_brain_injury"),
        after="primary_condition",
        suffix="a",
        options=(
            Option("yes", "Yes, under a year ago", _YES + ("under a year", "less than a year")),
            Option("no", "No", _NO + ("over a year", "more than a year", "not traumatic")),
        ),
        # A trauma named without when ("TBI", "RTA") asks when; "no head injury" is no.
        concepts=(Concept("traumatic", negated="no"),),
        follow_ups=(FollowUp("traumatic", "Was the injury less than a year ago?", yes="yes", no="no"),),
        negated_means=_NEGATED_YES,
        # "about a year ago" is a year either side, "a year next month" under one: asked back.
        doubt_cues=(
            "about",
            "around",
            "approximately",
            "approx",
            "roughly",
            "circa",
            "next month",
            "next week",
            "anniversary",
            "will be",
            "c.",
            "ca.",
        ),
        # "over 6 months" may be under a year or not: asked back ("over a year" is a phrase of `no`).
        bound_cues=TIME_BOUNDS,
    ),
    Question(
        2,
        "sci_level_t6_or_above",
        "Is the spinal cord injury at T6 or above?",
        "one",
        ("L4",),
        short="Injury at T6 or above",
        hint="Cervical (C1 to C8) and T1 to T6 are at T6 or above; T7 and below are not.",
        asked_when=AskedWhen("primary_condition", equals="spinal_cord_injury"),
        after="primary_condition",
        suffix="b",
        options=(
            Option(
                "yes", "Yes, T6 or above", _YES + ("above T6", "at or above T6", "cervical", "tetraplegia")
            ),
            Option("no", "No, below T6", _NO + ("below T6", "lumbar", "low thoracic")),
        ),
        # "T", "thoracic", "paraplegic" name no level: which side of T6 is asked. No negated_means: "not
        # cervical" may still be T1 to T6, so a denied level is no answer.
        concepts=(Concept("thoracic"),),
        follow_ups=(FollowUp("thoracic", "Is the level T6 or above (T1 to T6)?", yes="yes", no="no"),),
        # "above T10", "T7 and above" lie both sides of T6: asked back ("above T7" is a phrase of `yes`).
        bound_cues=LEVEL_BOUNDS,
    ),
    Question(
        3,
        "disease_course",
        "Is the underlying condition stable or progressive?",
        "one",
        ("S2",),
        short="Course",
        options=(
            Option(
                "stable",
                "Stable",
                ("static", "non-progressive", "nonprogressive", "not progressive", "stationary"),
            ),
            Option(
                "progressive",
                "Progressive",
                ("worsening", "progressing", "deteriorating", "getting worse"),
            ),
        ),
        current_only=True,
        negated_means=(("progressive", "stable"),),  # "not deteriorating"
    ),
    Question(
        4,
        "interference",
        "What does the spasticity interfere with?",
        "many",
        ("S1",),
        short="Interference",
        hint="Choose all that apply.",
        options=(
            Option("comfort", "Comfort", ("discomfort",)),
            Option("function", "Function", ("functional", "functioning")),
            Option(
                "adl",
                "Activities of daily living",
                ("ADLs", "daily activities", "daily living", "self-care"),
            ),
            Option("mobility", "Mobility"),
            Option("positioning", "Positioning", ("seating", "posture")),
            Option(
                "caregiver_assistance",
                "Caregiver assistance",
                ("care", "carer", "carers", "caregiver", "caregivers", "care needs", "nursing care"),
            ),
            Option("none", "None of these", ("no", "nil", "nothing", "none of the above", "none known")),
        ),
        concepts=(Concept("interferes", negated="none"), Concept("ignore")),
        current_only=True,
    ),
    Question(
        5,
        "ambulatory",
        "Is the patient ambulatory (walks, with or without aids)?",
        "one",
        ("S4",),
        short="Walks (ambulatory)",
        options=_yes_no(
            ("ambulant", "ambulatory", "walks", "walking"),
            ("non-ambulant", "nonambulant", "non-ambulatory", "not ambulant"),
            none_means_no=False,
        ),
        concepts=(Concept("aids", affirmed="yes"), Concept("not_walking")),
        negated_means=_NEGATED_YES,
        current_only=True,
    ),
    Question(
        5,
        "relies_on_spasticity",
        "Does the patient rely on spasticity to stand, transfer or walk?",
        "one",
        ("N4",),
        short="Relies on spasticity",
        hint="For example tone in the legs that compensates for weakness when standing.",
        asked_when=AskedWhen("ambulatory", equals="yes"),
        after="ambulatory",
        suffix="a",
        options=_yes_no(("relies on it", "uses the tone"), ("does not rely on it",), none_means_no=False),
        negated_means=_NEGATED_YES,  # "doesn't use his tone to stand"
        # "reducing tone helps him stand", "botox for spasticity helps": what helps is less tone, which
        # says nothing of relying on it. Asked back.
        doubt_cues=("reducing", "reduce", "reduces", "reduced", "lowering", "less tone", "treating", "botox"),
        current_only=True,  # "used to rely on his tone to stand": not now
    ),
    Question(
        6,
        "growth_complications",
        "Does spasticity affect the growing child's musculoskeletal system in any of these ways?",
        "many",
        ("S5",),
        short="Growth problems",
        hint="Choose all that apply.",
        asked_when=AskedWhen("age_years", PAEDIATRIC_BELOW),
        options=(
            Option("limb_deformity", "Limb deformity", ("limb deformities",)),
            Option(
                "joint_dislocation",
                "Joint dislocation",
                ("dislocation", "hip dislocation", "dislocated hip", "hip subluxation", "subluxation"),
            ),
            Option("poor_motor_function", "Poor motor function", ("poor motor", "motor function")),
            Option("none", "None of these", ("no", "nil", "nothing", "none of the above")),
        ),
        concepts=(Concept("ignore"),),
    ),
    Question(
        6,
        "child_surgical_risks",
        "Does any of these apply to the child?",
        "many",
        ("N1", "N2", "N3"),
        short="Surgical risks (child)",
        hint="Choose all that apply.",
        asked_when=AskedWhen("age_years", PAEDIATRIC_BELOW),
        after="growth_complications",
        suffix="a",
        options=(
            Option("too_small_for_pump", "Too small for a pump", ("too small", "pump too big")),
            Option("coagulation_disorder", "Coagulation disorder", ("coagulopathy", "bleeding disorder")),
            Option("malnutrition", "Malnutrition", ("malnourished", "undernourished", "undernutrition")),
            Option(
                "respiratory_failure_risk",
                "Risk of respiratory failure",
                ("respiratory failure", "respiratory risk", "at risk of respiratory failure"),
            ),
            Option(
                "previous_spinal_fusion",
                "Previous spinal fusion",
                ("spinal fusion done", "had spinal fusion", "prior spinal fusion", "previous fusion"),
            ),
            Option(
                "spinal_fusion_likely",
                "Spinal fusion likely",
                ("fusion likely", "likely spinal fusion", "fusion planned", "spinal fusion planned"),
            ),
            Option("none", "None of these", ("no", "nil", "nothing", "none of the above", "none known")),
        ),
        # Words around a risk that name none of them ("scoliosis", "weight 12 kg"): read, never an answer.
        concepts=(Concept("ignore"),),
        # No negated_means: "no coagulopathy" denies one risk and says nothing of the five others, so it is
        # asked back, not stored as "none of these". A low risk is no answer either way.
        doubt_cues=(
            *("low risk", "small risk", "slight risk", "minimal risk", "low chance", "unlikely"),
            # "brother has haemophilia", "FHx of vWD": a relative's condition, not the child's.
            *("brother", "sister", "sibling", "mum", "mother", "dad", "father", "family history", "FHx"),
            "carrier",
            # "was malnourished", "previously too small for a pump": the past, and this asks about now. Not
            # `current_only`, whose past cue would reach past a previous fusion to the "none" after it.
            *("was", "previous", "previously", "history of", "h/o", "formerly", "as an infant", "as a baby"),
        ),
    ),
    Question(
        7,
        "prior_treatments",
        "Which treatments for spasticity has the patient had so far?",
        "many",
        ("S3",),
        short="Prior treatments",
        hint="Choose all that apply.",
        options=(
            Option(
                "oral_antispasticity",
                "Oral antispasticity medication",
                (
                    "oral",
                    "oral meds",
                    "oral medication",
                    "oral medications",
                    "meds",
                    "oral baclofen",
                    "baclofen",
                    "tizanidine",
                    "dantrolene",
                    "diazepam",
                ),
            ),
            Option(
                "botulinum_toxin",
                "Botulinum toxin",
                ("botox", "BoNT", "BoNT-A", "BTX", "BTX-A", "toxin", "dysport", "xeomin"),
            ),
            Option(
                "rehabilitation",
                "Rehabilitation",
                (
                    "rehab",
                    "physio",
                    "physiotherapy",
                    "physical therapy",
                    "PT",
                    "OT",
                    "occupational therapy",
                    "therapy",
                ),
            ),
            Option(
                "surgery",
                "Surgery",
                (
                    "orthopaedic surgery",
                    "orthopedic surgery",
                    "SDR",
                    "selective dorsal rhizotomy",
                    "rhizotomy",
                    "tendon release",
                    "tendon lengthening",
                ),
            ),
            Option("none", "None yet", ("no", "nil", "nothing", "none known")),
        ),
        # Words about how a treatment went ("stopped", "didn't help", "x3"): no option, but read.
        concepts=(Concept("ignore"),),
    ),
    Question(
        8,
        "cognitive_impairment",
        "Is the patient's cognition impaired?",
        "one",
        ("S7",),
        short="Cognition impaired",
        options=_yes_no(
            ("impaired", "cognitively impaired"),
            ("intact", "cognitively intact", "not impaired", "normal"),
        ),
        concepts=(Concept("signs", affirmed="yes"),),
        negated_means=_NEGATED_YES,
    ),
    Question(
        9,
        "baclofen_reaction",
        "Has the patient had a reaction to baclofen?",
        "one",
        ("S9", "S10"),
        short="Baclofen reaction",
        hint=(
            "Side effects = drowsiness, weakness, dizziness or confusion on oral baclofen, not recorded "
            "as an allergy. Recorded allergy = listed as an allergy but not confirmed as true "
            "hypersensitivity. Confirmed = true hypersensitivity confirmed by the treating team."
        ),
        options=(
            Option(
                "none", "No reaction", ("no", "n", "nope", "nil", "nothing", "no reactions", "none known")
            ),
            Option(
                "oral_side_effects",
                "Side effects on oral baclofen",
                (
                    "side effects",
                    "side effect",
                    "adverse effects",
                    "adverse reaction",
                    "intolerance",
                    "intolerant",
                    "drowsiness",
                    "drowsy",
                    "sedation",
                    "weakness",
                    "dizziness",
                    "confusion",
                ),
            ),
            Option(
                "recorded_allergy",
                "Recorded allergy, not confirmed",
                ("allergy not confirmed", "unconfirmed allergy", "listed allergy", "documented allergy"),
            ),
            Option(
                "confirmed_hypersensitivity",
                "Confirmed hypersensitivity",
                ("true hypersensitivity", "confirmed allergy", "true allergy"),
            ),
        ),
        concepts=(
            Concept("allergy", negated="none"),
            Concept("confirmed"),
            Concept("ignore"),
        ),
        follow_ups=(
            FollowUp(
                "allergy",
                "Was it confirmed as a true hypersensitivity by the treating team?",
                yes="confirmed_hypersensitivity",
                no="recorded_allergy",
                answer="confirmed",
            ),
        ),
        negated_means=(("oral_side_effects", "none"), ("recorded_allergy", "none")),
    ),
    Question(
        10,
        "active_infection",
        "Does the patient have an active infection?",
        "one",
        ("S9",),
        short="Active infection",
        options=_yes_no(("infection", "infected"), ("no infection",)),
        concepts=(Concept("signs", affirmed="yes"),),
        negated_means=_NEGATED_YES,
        current_only=True,
        # "UTI treated", "infection cleared": over, so not active (a course still running is "on abx").
        resolved_cues=(
            "recovered",
            "fully recovered",
            "treated",
            "cleared",
            "completed",
            "gone",
            "better",
            "settled",
            "finished",
            "healed",
            "stopped",
        ),
        doubt_cues=("not yet confirmed", "not confirmed", "unconfirmed", "symptoms"),
    ),
    Question(
        11,
        "goals",
        "What are the goals of treatment?",
        "many",
        ("S6", "S8"),
        short="Goals",
        hint="Choose all that apply.",
        options=(
            Option(
                "reduce_pain_or_spasms",
                "Reduce pain or spasms",
                ("pain", "spasms", "spasm", "pain relief", "reduce pain", "reduce spasms", "pain and spasms"),
            ),
            Option(
                "ease_care_and_hygiene",
                "Ease care and hygiene",
                ("care", "hygiene", "easier care", "personal care", "perineal hygiene", "care and hygiene"),
            ),
            Option("improve_positioning", "Improve positioning", ("positioning", "seating", "posture")),
            Option("improve_transfers", "Improve transfers", ("transfers", "transfer", "transferring")),
            Option("improve_walking", "Improve walking", ("walking", "walk", "gait", "ambulation")),
            Option(
                "improve_upper_limb_function",
                "Improve upper limb function",
                (
                    "upper limb",
                    "UL",
                    "UL function",
                    "upper limb function",
                    "arm function",
                    "hand function",
                    "arm",
                    "arms",
                    "upper extremity",
                ),
            ),
            Option("improve_sleep", "Improve sleep", ("sleep",)),
            Option(
                "prevent_deformity",
                "Prevent deformity",
                ("deformity", "deformities", "contracture", "contractures", "prevent contractures"),
            ),
            Option("other", "Other"),
        ),
    ),
    Question(
        12,
        "goals_realistic",
        "In your judgement, are the patient's and family's expectations realistic?",
        "one",
        ("S8", "S11"),
        short="Goals realistic",
        options=_yes_no(("realistic",), ("unrealistic", "not realistic"), none_means_no=False),
        negated_means=(("yes", "no"), ("no", "yes")),
        current_only=True,
    ),
    Question(
        13,
        "mental_health",
        "Does the patient have mental health issues?",
        "one",
        ("S11",),
        short="Mental health",
        options=(
            Option("none", "None", ("no", "n", "nope", "nil", "nothing", "none known")),
            Option("managed", "Yes, managed", ("controlled", "well managed", "well controlled")),
            Option(
                "unmanageable",
                "Yes, unmanageable",
                ("unmanaged", "uncontrolled", "poorly controlled", "not managed", "not controlled"),
            ),
        ),
        concepts=(Concept("disorder", negated="none"), Concept("ignore")),
        follow_ups=(FollowUp("disorder", "Is it managed now?", yes="managed", no="unmanageable"),),
        negated_means=(("managed", "unmanageable"),),
        current_only=True,
        resolved_cues=("recovered", "fully recovered", "resolved"),
    ),
    Question(
        14,
        "psychosocial_compliance_concerns",
        "Are there psychosocial factors that may prevent reliable refills and follow-up visits?",
        "one",
        ("S11",),
        short="Psychosocial concerns",
        hint="For example transport, caregiver support or adherence.",
        options=_yes_no(no=("no concerns",)),
        concepts=(Concept("signs", affirmed="yes"),),
        negated_means=_NEGATED_YES,
        current_only=True,
    ),
    Question(
        15,
        "financial_burden",
        "Is the cost of the implant, refills or travel a concern for the patient or family?",
        "one",
        ("S11",),
        short="Financial burden",
        options=_yes_no(no=("no concerns", "not a concern")),
        concepts=(Concept("signs", affirmed="yes"),),
        negated_means=_NEGATED_YES,
        current_only=True,
    ),
    Question(
        16,
        "hydrocephalus_shunt",
        "Does the patient have a shunt for hydrocephalus?",
        "one",
        ("S12",),
        short="Hydrocephalus shunt",
        options=_yes_no(("shunted", "VPS"), ("no shunt", "shunt independent")),
        negated_means=_NEGATED_YES,
        current_only=True,
        resolved_cues=("removed", "taken out", "explanted"),
    ),
    Question(
        17,
        "seizures",
        "Does the patient have a history of seizures?",
        "one",
        ("S13",),
        short="Seizures",
        options=_yes_no(("epilepsy", "epileptic", "seizures"), ("no seizures",)),
        concepts=(Concept("signs", affirmed="yes"), Concept("not_epileptic"), Concept("ignore")),
        negated_means=_NEGATED_YES,
    ),
    Question(
        17,
        "seizures_controlled",
        "Are the seizures controlled?",
        "one",
        ("N2",),
        short="Seizures controlled",
        asked_when=AskedWhen("seizures", equals="yes"),
        after="seizures",
        suffix="a",
        options=_yes_no(
            ("controlled", "well controlled", "seizure free"),
            ("uncontrolled", "not controlled", "poorly controlled", "breakthrough seizures"),
            none_means_no=False,
        ),
        negated_means=(("yes", "no"), ("no", "yes")),  # "not well controlled", "no breakthrough seizures"
        # "mostly controlled" says there are seizures still, "controlled until 2 weeks ago" that they are
        # back: asked back, never read as controlled.
        doubt_cues=(
            *("mostly", "usually", "generally", "largely", "reasonably", "most of the time"),
            *("until", "up to", "but had", "though", "although", "again", "apart from", "except"),
            *("fairly", "partly", "partially", "somewhat", "last week", "this week", "yesterday"),
        ),
        current_only=True,  # "used to be controlled": not now
    ),
    Question(
        18,
        "abdominal_pelvic_surgery",
        "Has the patient had abdominal or pelvic surgery?",
        "one",
        ("S13",),
        short="Abdominal/pelvic surgery",
        options=_yes_no(("surgery",), ("no surgery",)),
        concepts=(Concept("signs", affirmed="yes"), Concept("elsewhere")),
        negated_means=_NEGATED_YES,
    ),
)

QUESTIONS_BY_FIELD: dict[str, Question] = {q.field: q for q in QUESTIONS}
FIELDS: tuple[str, ...] = tuple(QUESTIONS_BY_FIELD)
#: The fields of other-guidance.md's follow-up questions: the other guidance's, not the consensus's.
FOLLOW_UP_FIELDS: frozenset[str] = frozenset(q.field for q in QUESTIONS if q.from_guidance)


def _check_catalogue() -> None:
    main = [q for q in QUESTIONS if not q.from_guidance]
    if [q.number for q in main] != list(range(1, len(main) + 1)):
        raise ValueError("questions must be numbered 1..n in order")
    if len(FIELDS) != len(QUESTIONS) or len({q.tag for q in QUESTIONS}) != len(QUESTIONS):
        raise ValueError("field codes and question numbers must be unique")
    for index, q in enumerate(QUESTIONS):
        if q.asked_when is not None:
            _check_condition(q, q.asked_when)
        if q.from_guidance:
            before = QUESTIONS[index - 1]
            if q.after not in (before.field, before.after) or q.number != QUESTIONS_BY_FIELD[q.after].number:
                raise ValueError(f"{q.field}: a follow-up comes right after the question it follows")


def _check_condition(question: Question, when: AskedWhen) -> None:
    """A condition names an earlier question, and a value that question can have."""
    source = QUESTIONS_BY_FIELD.get(when.field)
    if source is None or FIELDS.index(source.field) >= FIELDS.index(question.field):
        raise ValueError(f"{question.field}: asked_when must name an earlier question")
    if (when.below is not None) != (source.kind == "number") or (
        when.equals is not None and when.equals not in source.codes
    ):
        raise ValueError(f"{question.field}: asked_when does not fit {when.field}")


_check_catalogue()


#: The questions skip logic may leave out, and what is asked for each combination of their conditions,
#: worked out once per combination (every evaluation asks, and only these conditions change the answer).
_CONDITIONAL = tuple(q for q in QUESTIONS if q.asked_when is not None)
_ASKED: dict[tuple[bool, ...], tuple[tuple[Question, ...], frozenset[str]]] = {}


def skip_logic(answers: Mapping[str, object]) -> tuple[tuple[Question, ...], frozenset[str]]:
    """The questions asked for these answers, in order, and their fields as a set (skip logic applied)."""
    conditions = tuple([q.asked_when.holds(answers) for q in _CONDITIONAL])  # type: ignore[union-attr]
    asked = _ASKED.get(conditions)
    if asked is None:
        questions = tuple(q for q in QUESTIONS if q.is_asked(answers))
        asked = _ASKED[conditions] = (questions, frozenset(q.field for q in questions))
    return asked


def asked_questions(answers: Mapping[str, object]) -> tuple[Question, ...]:
    """The questions asked for these answers, in order (skip logic applied)."""
    return skip_logic(answers)[0]


def asked_field_set(answers: Mapping[str, object]) -> frozenset[str]:
    """The fields asked for these answers, as a set (skip logic applied)."""
    return skip_logic(answers)[1]


def asked_fields(answers: Mapping[str, object]) -> tuple[str, ...]:
    """The fields asked for these answers, in order (skip logic applied)."""
    return tuple(q.field for q in asked_questions(answers))


def progress(answers: Mapping[str, object]) -> tuple[int, int]:
    """(answered, asked): how far a case has got, counting only the questions skip logic asks."""
    asked = asked_fields(answers)
    return sum(1 for f in asked if f in answers), len(asked)


def position(field_code: str, answers: Mapping[str, object]) -> tuple[int, int]:
    """(N, M) of `question N of M`: the catalogue's numbered questions, and its follow-ups only while
    their condition holds (other-guidance.md), so a follow-up asked moves the later ones on by one."""
    counted = [q.field for q in QUESTIONS if not q.from_guidance or q.is_asked(answers)]
    here = counted.index(field_code) + 1 if field_code in counted else QUESTIONS_BY_FIELD[field_code].number
    return here, len(counted)


def field_label(field_code: str) -> str:
    """A field code in words: `baclofen_reaction` -> `baclofen reaction`."""
    return field_code.replace("_", " ")


def value_label(field_code: str, value: object) -> str:
    """An answer in the words of its options (`recorded_allergy` -> `Recorded allergy, not confirmed`)."""
    if value is None:
        return "unanswered"
    question = QUESTIONS_BY_FIELD[field_code]
    if question.kind == "number":
        return f"{value} {question.unit}".strip()
    if question.kind == "many":
        assert isinstance(value, (tuple, list)), value
        return ", ".join(question.option(str(c)).label for c in value)
    return question.option(str(value)).label
