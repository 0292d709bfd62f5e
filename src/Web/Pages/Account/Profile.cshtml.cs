using System.ComponentModel.DataAnnotations;

using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Cybernet.Web.Pages.Account;

/// <summary>Change the display name; the cookie is refreshed so the header shows it at once.</summary>
public sealed class ProfileModel(UserManager<AppUser> users, SignInManager<AppUser> signIn) : PageModel
{
    [BindProperty]
    [Required(ErrorMessage = "Tell people what to call you.")]
    [StringLength(AppUser.MaxDisplayNameLength, ErrorMessage = "Keep it under 64 characters.")]
    public string? DisplayName { get; set; }

    public string UserName { get; private set; } = "";

    public bool Saved { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return RedirectToPage("/Account/SignIn");
        }

        UserName = user.UserName!;
        DisplayName = user.DisplayName;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return RedirectToPage("/Account/SignIn");
        }

        UserName = user.UserName!;
        if (!ModelState.IsValid)
        {
            return Page();
        }

        user.DisplayName = DisplayName!.Trim();
        await users.UpdateAsync(user);
        await signIn.RefreshSignInAsync(user);
        Saved = true;
        return Page();
    }
}
