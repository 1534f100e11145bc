from core.errors import Conflict, Forbidden, NotFound, Unauthorized


class WrongCredentials(Unauthorized):
    code = "wrong_credentials"
    message = "The email or the password is wrong."


class LockedOut(Unauthorized):
    code = "locked_out"
    status = 429
    message = "Too many failed log-ins: try again in a few minutes."


class EmailTaken(Conflict):
    code = "email_taken"
    message = "An account with this email exists already: log in instead."


class SessionEnded(Unauthorized):
    code = "session_ended"
    message = "Your session has ended: log in again."


class RoleTooLow(Forbidden):
    code = "role_too_low"
    message = "Your role does not allow this screen."


class StaffNotFound(NotFound):
    code = "staff_not_found"
    message = "No such staff member."


class CsrfRefused(Forbidden):
    code = "csrf_refused"
    message = "This form came from another site or an old page: reload the page and try again."


class LinkUnknown(NotFound):
    code = "staff_link_unknown"
    message = "This staff link is not valid: ask for a new one in the console."


class LinkUsed(Conflict):
    code = "staff_link_used"
    message = "This staff link has been used already: each link works once. Ask for a new one."


class LinkExpired(Conflict):
    code = "staff_link_expired"
    message = "This staff link has expired (links last 10 minutes): ask for a new one."


class OwnRoleUnchangeable(Forbidden):
    code = "own_role_unchangeable"
    message = "You cannot change your own role: another owner can."
