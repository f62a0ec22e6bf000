-- The CRM's hot paths for wrk, signed in as one member. bench/run.py sets the environment:
--   ROUTE   floor | list | filters | person | log-form | log-post | dash
--   LABEL   free text for the RESULT line;  SEED  random seed for this run
--   COOKIE  the signed-in session cookie;  CSRF  a form token of that session
--   PEOPLE  comma-separated ids of heavily contacted people (person and quick-log pages)
--   MAXID   highest person id (POST targets);  SKIP  deleted people's ids (never POST targets)
--   MEMBER  the member's user id;  ISSUES  issue ids
--   COMMITTEES  committee ids;  WHEN  the quick log's "when" (local time, in the past)
local route = os.getenv("ROUTE") or "floor"
local label = os.getenv("LABEL") or "-"
local states = {"AL","AK","AZ","AR","CA","CO","CT","DE","FL","GA","HI","ID","IL","IN","IA","KS","KY","LA","ME",
  "MD","MA","MI","MN","MS","MO","MT","NE","NV","NH","NJ","NM","NY","NC","ND","OH","OK","OR","PA","RI","SC",
  "SD","TN","TX","UT","VT","VA","WA","WV","WI","WY"}
local kinds = {"meeting", "call", "email", "virtual_meeting"}
local names = {"smi", "gar", "lee", "ngu", "pat", "joh", "mar", "kim"}

local function ids(name)
  local out = {}
  for id in string.gmatch(os.getenv(name) or "", "%d+") do out[#out + 1] = id end
  return out
end

local people, issues, committees = ids("PEOPLE"), ids("ISSUES"), ids("COMMITTEES")
local maxid = tonumber(os.getenv("MAXID") or "8000")
local skip = {}
for _, id in ipairs(ids("SKIP")) do skip[tonumber(id)] = true end

local function target()
  local id = math.random(1, maxid)
  while skip[id] do id = math.random(1, maxid) end
  return id
end
local headers = {["Cookie"] = os.getenv("COOKIE") or ""}
local post_headers = {["Cookie"] = os.getenv("COOKIE") or "",
                      ["Content-Type"] = "application/x-www-form-urlencoded"}

function init(args) math.randomseed(12345 + (tonumber(os.getenv("SEED")) or 0)) end

local function pick(list) return list[math.random(#list)] end

local function filters()
  local page = "&page=" .. math.random(1, 3)
  local n = math.random(6)
  if n == 1 then return "state=" .. pick(states) .. "&chamber=lower&kind=legislator" .. page
  elseif n == 2 then return "state=" .. pick(states) .. "&not_contacted_days=90" .. page
  elseif n == 3 then return "committee=" .. pick(committees) .. page
  elseif n == 4 then return "level=federal&sort=last_contact" .. page
  elseif n == 5 then return "q=" .. pick(names) .. page
  else return "never_contacted=1&kind=legislator&sort=state" .. page end
end

function request()
  if route == "floor" then
    return wrk.format("GET", "/healthz")
  elseif route == "list" then
    return wrk.format("GET", "/people/?state=" .. pick(states) .. "&page=" .. math.random(1, 3), headers)
  elseif route == "filters" then
    return wrk.format("GET", "/people/?" .. filters(), headers)
  elseif route == "person" then
    return wrk.format("GET", "/people/" .. pick(people), headers)
  elseif route == "log-form" then
    return wrk.format("GET", "/log?person=" .. pick(people), headers)
  elseif route == "log-post" then
    local body = "csrf_token=" .. (os.getenv("CSRF") or "") .. "&people=" .. target() ..
      "&occurred_at=" .. (os.getenv("WHEN") or "") .. "&kind=" .. pick(kinds) ..
      "&subject=Conrad+30+reauthorization+ask&members=" .. (os.getenv("MEMBER") or "") ..
      "&issues=" .. pick(issues) .. "&notes=bench+call+about+the+budget+bill"
    return wrk.format("POST", "/log", post_headers, body)
  else  -- dash
    return wrk.format("GET", "/", headers)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local errs = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("RESULT %s %s %.1f %.2f %.2f %d %d\n", label, route,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, errs))
end
