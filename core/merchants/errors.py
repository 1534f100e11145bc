from core.errors import NotFound, Unauthorized


class InvalidApiKey(Unauthorized):
    code = "invalid_api_key"
    message = "The API key is unknown or has been revoked."


class ApiKeyNotFound(NotFound):
    code = "api_key_not_found"
    message = "No such API key."


class MerchantNotFound(NotFound):
    code = "merchant_not_found"
    message = "No such merchant."
