"""Analytics: what each activity and tool cost and brought in, read from the tables the
domain already keeps (tries, coupons, redemptions, the points ledger, codes, events)."""
