"""Navigation fitted to the user's role: each app registers its entries (`core.plugins.nav_item`)."""

from mahalleh.core import plugins


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": []}
    path = request.path
    items = plugins.nav_items(user)
    for item in items:
        item["active"] = path == item["url"] or (item["key"] != "home" and path.startswith(item["url"]))
    return {"nav_items": items}
