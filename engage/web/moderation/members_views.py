"""Site admins manage the site's moderator accounts: list, add, create, change role, remove."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.domain.errors import EngageError, InvalidInput
from engage.extensions import db
from engage.models import Role
from engage.services import site_members, site_settings
from engage.web.errors import message_for
from engage.web.moderation.forms import AddMemberForm, CreateMemberForm, RoleForm
from engage.web.moderation.views import bp

SITE = "/sites/<int(max=2147483647):site_id>/moderators"
MEMBER = SITE + "/<int(max=2147483647):member_id>"
REFUSALS = ("member_self", "last_admin")  # shown as a notice on the page, not an error page


def _page(site_id: int, add_form=None, create_form=None, status: int = 200):
    mod_id = current_user.moderator.id
    site = site_settings.admin_site(db.session, mod_id, site_id)
    return render_template("moderation/members.html", site=site,
                           members=site_members.members(db.session, mod_id, site_id),
                           add_form=add_form or AddMemberForm(formdata=None),
                           create_form=create_form or CreateMemberForm(formdata=None),
                           role_form=RoleForm(formdata=None), me=mod_id), status


def _done(site_id: int):
    return redirect(url_for("moderation.site_members_page", site_id=site_id))


def _field_error(form, err: InvalidInput) -> None:
    """Show a service refusal under the field it names."""
    field = getattr(form, err.params.get("field", ""), None) or form.username
    field.errors = [*field.errors, message_for(err.code, err.params)]


@bp.get(SITE)
@login_required
def site_members_page(site_id: int):
    """The site's members, with the forms to add, create, change role and remove."""
    return _page(site_id)


@bp.post(SITE)
@login_required
def add_member(site_id: int):
    """Give an existing moderator access to the site."""
    site_settings.admin_site(db.session, current_user.moderator.id, site_id)  # 404/403 first
    form = AddMemberForm()
    if form.validate_on_submit():
        try:
            added = site_members.add_member(db.session, current_user.moderator, site_id,
                                            form.username.data, Role(form.role.data))
        except InvalidInput as err:
            _field_error(form, err)
        else:
            flash(_("Đã thêm %(name)s vào trang báo.", name=added.username), "ok")
            return _done(site_id)
    return _page(site_id, add_form=form, status=422)


@bp.post(SITE + "/new")
@login_required
def create_member(site_id: int):
    """Create a new moderator account on the site, with the password the admin typed."""
    site_settings.admin_site(db.session, current_user.moderator.id, site_id)
    form = CreateMemberForm()
    if form.validate_on_submit():
        try:
            created = site_members.create_member(
                db.session, current_user.moderator, site_id, form.username.data,
                form.display_name.data, form.password.data, Role(form.role.data))
        except InvalidInput as err:
            _field_error(form, err)
        else:
            flash(_("Đã tạo tài khoản %(name)s.", name=created.username), "ok")
            return _done(site_id)
    return _page(site_id, create_form=form, status=422)


def _refusable(change) -> bool:
    """Run a role change or removal; the self and last-admin rules become a notice."""
    try:
        change()
    except EngageError as err:
        if err.code not in REFUSALS:
            raise
        flash(message_for(err.code, err.params), "error")
        return False
    return True


@bp.post(MEMBER + "/role")
@login_required
def change_member_role(site_id: int, member_id: int):
    """Make a member a moderator or an admin of the site."""
    site_settings.admin_site(db.session, current_user.moderator.id, site_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Vai trò không hợp lệ."), "error")
        return _done(site_id)
    if _refusable(lambda: site_members.set_role(
            db.session, current_user.moderator, site_id, member_id, Role(form.role.data))):
        flash(_("Đã đổi vai trò."), "ok")
    return _done(site_id)


@bp.post(MEMBER + "/remove")
@login_required
def remove_member(site_id: int, member_id: int):
    """End a member's access to the site at once."""
    # The CSRF token is checked by CSRFProtect before any POST view runs.
    if _refusable(lambda: site_members.remove_member(
            db.session, current_user.moderator, site_id, member_id)):
        flash(_("Đã xóa thành viên khỏi trang báo."), "ok")
    return _done(site_id)
