class DomainError(Exception):
    """A rule refused an action. Nothing was changed.

    `code` is a short machine-readable reason ("slot_full"); `message` is for people.
    The API maps it to HTTP 409 unless a subclass says otherwise.
    """

    status = 409

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
