using System.ComponentModel.DataAnnotations;

using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Cybernet.Web.Pages.Account;

/// <summary>
/// The link from the reset email. Identity's token is signed, expires, and is bound to the account's security
/// stamp, which the reset changes: so a link works once.
/// </summary>
public sealed class ResetPasswordModel(UserManager<AppUser> users) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? UserId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    [BindProperty]
    [Required(ErrorMessage = "Choose a password.")]
    [StringLength(200, MinimumLength = 10, ErrorMessage = "Use at least 10 characters.")]
    [DataType(DataType.Password)]
    public string? Password { get; set; }

    public bool Done { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var user = UserId is null ? null : await users.FindByIdAsync(UserId);
        if (user is null || Token is null)
        {
            ModelState.AddModelError("", "This link is not valid. Ask for a new one.");
            return Page();
        }

        var result = await users.ResetPasswordAsync(user, Token, Password!);
        if (!result.Succeeded)
        {
            foreach (var error in result.Errors)
            {
                ModelState.AddModelError(error.Code == "InvalidToken" ? "" : "Password",
                    error.Code == "InvalidToken" ? "This link has expired or was already used. Ask for a new one." : error.Description);
            }

            return Page();
        }

        await users.ResetAccessFailedCountAsync(user);
        Done = true;
        return Page();
    }
}
