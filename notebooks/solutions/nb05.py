"""Solutions of notebook 05: the outlier lambda_out (Eq. 14) and whether it leaves the bulk."""


def outlier(A, beta0, beta1):
    """``lambda_out = -(1 - A beta_0 - beta_1)`` (Rivkind & Barak 2017, Eq. 14)."""
    return -(1.0 - A * beta0 - beta1)


def outside_bulk(lambda_out, rho):
    """Is the outlier outside the bulk, the disk of radius ``rho`` centred at -1 (Eq. 11)?"""
    return bool(abs(lambda_out + 1.0) > rho)
