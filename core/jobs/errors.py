from core.errors import NotFound, ValidationFailed


class JobNotFound(NotFound):
    code = "job_not_found"
    message = "No job with that id."


class UnknownJobKind(ValidationFailed):
    code = "unknown_job_kind"
    message = "No worker knows how to run this kind of job."
