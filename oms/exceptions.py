"""The one domain error type. Doors turn it into a form error, a JSON 4xx or a one-line CLI error."""


class DomainError(Exception):
    """A rule was broken; `message` is written for a person, `field` names the input at fault if any."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

