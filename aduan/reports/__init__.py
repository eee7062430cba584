"""Documents made from the store's rows: the monthly SLA report (monthly) and its CSV, HTML
and PDF renderings (render). Used by the `aduan report` command and the desk's download."""
