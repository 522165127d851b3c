"""Errors of the parameters app (stable codes, Chinese messages)."""

from dajiuzhu.core.errors import Conflict


class AlreadyWithdrawn(Conflict):
    code = "already_withdrawn"
    default_message = "该参数值已撤回，无需重复操作"
