"""Stable codes of elderly-care errors (each with a field key and a Chinese message)."""

from __future__ import annotations

from dajiuzhu.core.errors import Conflict, ValidationFailed


class AssessmentInvalid(ValidationFailed):
    code = "eldercare_assessment_invalid"


class AssessmentDuplicate(Conflict):
    code = "eldercare_assessment_duplicate"
    default_message = "该老人当天已有一条能力评估记录，请勿重复提交；如需更正请联系县级民政部门"


class InstitutionInvalid(ValidationFailed):
    code = "eldercare_institution_invalid"


class StayInvalid(ValidationFailed):
    code = "eldercare_stay_invalid"


class BedTaken(Conflict):
    code = "eldercare_bed_taken"
    default_message = "该床位或该老人刚被他人安排入住，请刷新后重新选择床位"


class OrderInvalid(ValidationFailed):
    code = "eldercare_order_invalid"


class VisitInvalid(ValidationFailed):
    code = "eldercare_visit_invalid"


class StatementInvalid(ValidationFailed):
    code = "eldercare_statement_invalid"


class MealInvalid(ValidationFailed):
    code = "eldercare_meal_invalid"


class CommunityInvalid(ValidationFailed):
    code = "eldercare_community_invalid"
