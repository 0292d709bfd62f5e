using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Cybernet.Web.Pages;

/// <summary>The app shell: the contacts sidebar and the main panel, brought to life by the browser client.</summary>
public sealed class IndexModel(UserManager<AppUser> users) : PageModel
{
    public Guid UserId { get; private set; }

    public string UserName { get; private set; } = "";

    public string DisplayName { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            // The account is gone (deleted, or a stale cookie from another database).
            return RedirectToPage("/Account/SignIn");
        }

        UserId = user.Id;
        UserName = user.UserName!;
        DisplayName = user.DisplayName;
        return Page();
    }
}
