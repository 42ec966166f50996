-- wrk: approve pre-submitted applications (POST /api/v1/applications/{id}/approve):
-- each approval renders, stamps, signs (B-LT), timestamps and stores one
-- document. Each wrk thread takes every THREADS-th id, so no id repeats.
local threads = 0
setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local ids = {}
for line in io.lines(os.getenv("LOAD_IDS")) do ids[#ids + 1] = line end
local auth = "Bearer " .. os.getenv("LOAD_TOKEN")
local n = 0
local created, other = 0, 0
request = function()
  local i = n * 2 + tid + 1
  n = n + 1
  local id = ids[((i - 1) % #ids) + 1]
  return wrk.format("POST", "/api/v1/applications/" .. id .. "/approve", { ["Authorization"] = auth }, "")
end
response = function(status)
  if status == 201 then created = created + 1 else other = other + 1 end
end
done = function()
end
