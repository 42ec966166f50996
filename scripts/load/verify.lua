-- wrk: POST /api/v1/verify with a genuine B-LT document.
local f = io.open(os.getenv("LOAD_PDF"), "rb")
wrk.method = "POST"
wrk.path = "/api/v1/verify"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/pdf"
