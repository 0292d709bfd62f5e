using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Cybernet.Web.Pages.Account;

/// <summary>
/// The link from the confirmation email: checks Identity's signed, expiring token and confirms the address. The
/// security stamp is renewed after, so the link works once; opened again it only says the address is confirmed.
/// </summary>
public sealed class ConfirmEmailModel(UserManager<AppUser> users) : PageModel
{
    public bool Confirmed { get; private set; }

    public bool AlreadyConfirmed { get; private set; }

    public async Task OnGetAsync(string? userId, string? token)
    {
        if (userId is null || token is null || await users.FindByIdAsync(userId) is not { } user)
        {
            return;
        }

        if (user.EmailConfirmed)
        {
            AlreadyConfirmed = true;
            return;
        }

        Confirmed = (await users.ConfirmEmailAsync(user, token)).Succeeded;
        if (Confirmed)
        {
            await users.UpdateSecurityStampAsync(user);
        }
    }
}
