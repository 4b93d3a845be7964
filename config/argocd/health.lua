-- Argo CD health of an Aileron object: every kind of platform.aileron.dev
-- shares it (a Release, which nothing reconciles, is always Healthy).
-- Aileron writes kstatus conditions: Ready, with Reconciling while it
-- works and Stalled when only a person can help.
--   Progressing: Aileron has not seen the object's current generation, or
--                says Reconciling, or has said nothing yet;
--   Degraded:    Stalled, or Ready=False with nothing under way;
--   Healthy:     Ready=True for the current generation.
-- The message is Aileron's own.
local hs = {status = "Progressing", message = "waiting for Aileron to reconcile it"}
if obj.kind == "Release" then
  -- A Release is a record, written once and reconciled by nothing.
  hs.status = "Healthy"
  hs.message = ""
  return hs
end
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.message = "waiting for Aileron to reconcile generation " .. generation
  return hs
end
local found = {}
for _, c in ipairs(obj.status.conditions) do
  found[c.type] = c
end
local function say(c)
  if c.message ~= nil and c.message ~= "" then
    return c.reason .. ": " .. c.message
  end
  return c.reason
end
if found.Stalled ~= nil and found.Stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = say(found.Stalled)
elseif found.Reconciling ~= nil and found.Reconciling.status == "True" then
  hs.message = say(found.Reconciling)
elseif found.Ready ~= nil and found.Ready.status == "True" then
  hs.status = "Healthy"
  hs.message = found.Ready.message or ""
elseif found.Ready ~= nil and found.Ready.status == "False" then
  hs.status = "Degraded"
  hs.message = say(found.Ready)
end
return hs
