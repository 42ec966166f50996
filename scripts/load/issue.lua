-- wrk: walk-in issuance (POST /api/v1/documents): each request records an
-- application and issues it (render, stamp, sign B-LT, timestamp, DSS,
-- store). Seals rotate over the clerk's seals.
local seals = {}
for line in io.lines(os.getenv("LOAD_SEALS")) do seals[#seals + 1] = line end
local f = io.open(os.getenv("LOAD_BODY"))
local template = f:read("*a")
f:close()
local auth = "Bearer " .. os.getenv("LOAD_TOKEN")
local n = 0
request = function()
  n = n + 1
  local body = string.gsub(template, "__SEAL__", seals[(n % #seals) + 1])
  return wrk.format("POST", "/api/v1/documents",
    { ["Content-Type"] = "application/json", ["Authorization"] = auth }, body)
end
