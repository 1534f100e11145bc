from core.errors import NotFound


class CustomerNotFound(NotFound):
    code = "customer_not_found"
    message = "No customer with that id."
