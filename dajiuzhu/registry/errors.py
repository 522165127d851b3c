from dajiuzhu.core.errors import Conflict, ValidationFailed


class DuplicateIdNumber(ValidationFailed):
    code = "duplicate_id_number"


class StaleRecord(Conflict):
    code = "stale_record"
    default_message = "该记录已被他人修改，请刷新页面查看最新内容后再保存"
