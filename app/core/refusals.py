"""What the domain raises when a rule refuses a request: one family, so that every face
translates it alike (a form error under the field, a 400 naming the argument, a line from the
command). ``message`` is for people, in their language; ``field`` names the input at fault."""


class Refused(Exception):
    """A rule refused the request; ``message`` says which, for people."""

    def __init__(self, message: object) -> None:
        self.message = str(message)  # a lazy string is rendered in the language of the moment
        super().__init__(self.message)


class FieldRefused(Refused):
    """One input breaks a rule: ``field`` names it, ``message`` says how."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(message)
        self.field = field
