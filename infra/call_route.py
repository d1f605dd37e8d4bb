"""Where Device Farm's API calls reach EventBridge, and so where the rule that hears them lives.

Device Farm's calls arrive only as CloudTrail events on the default bus of its one region
(us-west-2), and a rule must live in the region of the events it matches. So:

- a stack in that region matches them on its own default bus;
- a stack in any other region gets a companion stack in the Device Farm region that forwards
  them to the stack's command bus, where its rule matches them;
- a stack synthesized without a region (`python app.py` offline, the tests) cannot know which
  of the two it will be: its rule stays on the default bus, enabled only if the stack is
  deployed in the Device Farm region (a CloudFormation condition), and the synth warns.

The CDK CLI sets CDK_DEFAULT_REGION, so `cdk deploy` always takes one of the first two. Only the
region makes a stack environment-specific: the account stays the deploy-time pseudo parameter,
so the template, and the cdk-nag findings its acknowledgments name, do not depend on whose
credentials synthesized it.
"""

from __future__ import annotations

from enum import Enum

from aws_cdk import Token


class CallRoute(Enum):
    DEFAULT_BUS = "the stack's default bus, in the Device Farm region"
    FORWARDED = "the command bus, forwarded by a companion stack in the Device Farm region"
    UNRESOLVED = "the default bus, enabled only when deployed in the Device Farm region"


def device_farm_call_route(stack_region: str, device_farm_region: str) -> CallRoute:
    """`stack_region` as `Stack.region` gives it: a token when the stack has no region."""
    if Token.is_unresolved(stack_region):
        return CallRoute.UNRESOLVED
    if stack_region == device_farm_region:
        return CallRoute.DEFAULT_BUS
    return CallRoute.FORWARDED


def unresolved_region_warning(device_farm_region: str) -> str:
    return (
        "The stack's region is unknown at synth (no CDK_DEFAULT_REGION), so it cannot tell "
        f"whether Device Farm's CloudTrail events ({device_farm_region} only) reach it: the "
        f"Device Farm call rule is enabled only if this template is deployed in "
        f"{device_farm_region}. Deploy with the CDK CLI (it sets the region) so that a stack "
        "elsewhere also gets its companion forwarder stack; until then only the sweep arms "
        "expiry timers."
    )
