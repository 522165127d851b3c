from dajiuzhu.core.errors import DomainError


class LoginFailed(DomainError):
    code = "login_failed"
    status = 401
    default_message = "用户名或密码错误"


class AccountLocked(DomainError):
    code = "account_locked"
    status = 429
    default_message = "登录失败次数过多，该账户从您当前网络地址的登录已临时锁定"
