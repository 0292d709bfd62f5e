using System.ComponentModel.DataAnnotations;

using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Cybernet.Web.Pages.Account;

/// <summary>Sign-in by username or email, with Identity's lockout after repeated failures.</summary>
public sealed class SignInModel(UserManager<AppUser> users, SignInManager<AppUser> signIn) : PageModel
{
    [BindProperty]
    public SignInInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>The password was right but the address is not confirmed yet: the page offers to resend the link.</summary>
    public bool NeedsConfirmation { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var login = Input.Login!.Trim();
        var user = login.Contains('@', StringComparison.Ordinal) && !login.StartsWith('@')
            ? await users.FindByEmailAsync(login)
            : await users.FindByNameAsync(UserNameRules.Normalize(login));
        if (user is null)
        {
            ModelState.AddModelError("", "Wrong username or password.");
            return Page();
        }

        var result = await signIn.PasswordSignInAsync(user, Input.Password!, Input.Remember, lockoutOnFailure: true);
        if (result.IsLockedOut)
        {
            ModelState.AddModelError("", "Too many failed attempts. This account is locked for a few minutes.");
            return Page();
        }

        if (result.IsNotAllowed)
        {
            NeedsConfirmation = true;
            ModelState.AddModelError("", "Confirm your email address first: open the link we sent you.");
            return Page();
        }

        if (!result.Succeeded)
        {
            ModelState.AddModelError("", "Wrong username or password.");
            return Page();
        }

        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
    }
}

/// <summary>What the sign-in form posts.</summary>
public sealed class SignInInput
{
    [Required(ErrorMessage = "Enter your username or email.")]
    [StringLength(254)]
    public string? Login { get; set; }

    [Required(ErrorMessage = "Enter your password.")]
    [StringLength(200)]
    [DataType(DataType.Password)]
    public string? Password { get; set; }

    public bool Remember { get; set; } = true;
}
