using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Cybernet.Web.Pages.Account;

/// <summary>The link sent to a new address: Identity's change-email token (single use: the change renews the security stamp).</summary>
public sealed class ConfirmEmailChangeModel(UserManager<AppUser> users) : PageModel
{
    public bool Changed { get; private set; }

    public string? Email { get; private set; }

    public async Task OnGetAsync(string? userId, string? email, string? token)
    {
        if (userId is null || email is null || token is null || await users.FindByIdAsync(userId) is not { } user)
        {
            return;
        }

        Changed = (await users.ChangeEmailAsync(user, email, token)).Succeeded;
        Email = email;
    }
}
