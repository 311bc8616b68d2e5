"""The workspace's pages: each module here that defines `router` (an APIRouter) is included by create_app."""
