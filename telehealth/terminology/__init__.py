"""Clinical code sets: ICD-10 (WHO 2019) and the remote-care list of Circular 30/2023/TT-BYT."""

from telehealth.terminology.icd10 import (
    Icd10Block,
    Icd10Chapter,
    Icd10Code,
    block,
    chapters,
    is_valid,
    lookup,
    normalize_code,
    search,
)
from telehealth.terminology.remote_care import (
    Icd10Range,
    RemoteCareEntry,
    RemoteCareList,
    UnknownRemoteCareVersion,
    is_remote_treatable,
    remote_care_list,
    remote_care_list_in_force,
    remote_care_versions,
)

__all__ = [
    "Icd10Block",
    "Icd10Chapter",
    "Icd10Code",
    "Icd10Range",
    "RemoteCareEntry",
    "RemoteCareList",
    "UnknownRemoteCareVersion",
    "block",
    "chapters",
    "is_remote_treatable",
    "is_valid",
    "lookup",
    "normalize_code",
    "remote_care_list",
    "remote_care_list_in_force",
    "remote_care_versions",
    "search",
]
