"""The numbered seed statements of the consensus abstract (Saulino et al., Neuromodulation 2016).

Verbatim from the abstract, as numbered in screening-spec.md. Rules, points and questions cite these ids.
"""

#: The source as screening-spec.md names it, for people's documents (the referral summary).
CITATION = (
    'Saulino et al., "Best Practices for Intrathecal Baclofen Therapy: Patient Selection", '
    "Neuromodulation 2016;19(6):607-15, doi:10.1111/ner.12447"
)

#: The same source as a reference list would cite it, for the exports' metadata.
SOURCE = (
    "Saulino M, et al. Best Practices for Intrathecal Baclofen Therapy: Patient Selection. "
    "Neuromodulation 2016;19(6):607-15. doi:10.1111/ner.12447"
)

SEED_STATEMENTS: dict[str, str] = {
    "S1": (
        "When spasticity interferes with comfort, function, activities of daily living, mobility, positioning, or caregiver assistance, patients should be considered for intrathecal baclofen (ITB) therapy."
    ),
    "S2": (
        "ITB can be considered for problematic spasticity involving muscles/muscle groups during all phases of diseases, including progressive neurologic diseases."
    ),
    "S3": (
        "ITB alone or with other treatments should not be exclusively reserved for individuals who have failed other approaches."
    ),
    "S4": ("ITB combined with rehabilitation can be effective in certain ambulatory patients."),
    "S5": (
        "ITB is also highly effective in managing spasticity in children, who may suffer limb deformity, joint dislocation, and poor motor function from spasticity and muscle tightness on the growing musculoskeletal system."
    ),
    "S6": ("Spasticity management often allows individuals to achieve higher function."),
    "S7": (
        "When cognition is impaired, ITB controls spasticity without the cognitive side effects of some oral medications."
    ),
    "S8": (
        "Goal setting addresses expectations and treatment in the framework of pathology, impairment, and disability."
    ),
    "S9": (
        "ITB is contraindicated in patients with hypersensitivity to baclofen, which is rare, or active infection."
    ),
    "S10": (
        "Some patients with an adverse reaction to oral baclofen may be mistakenly classified as having an allergic reaction and may benefit from ITB."
    ),
    "S11": (
        "Relative contraindications include unrealistic goals, unmanageable mental health issues, psychosocial factors affecting compliance, and financial burden."
    ),
    "S12": (
        "Vascular shunting for hydrocephalus is not a contraindication, but concurrent use may affect cerebrospinal fluid flow."
    ),
    "S13": (
        "Seizures or prior abdominal or pelvic surgery should be discussed before proceeding to an ITB screening test."
    ),
}
