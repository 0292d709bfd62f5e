using System.ComponentModel.DataAnnotations;

using Cybernet.Web.Email;

using Hangfire;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Cybernet.Web.Pages.Account;

/// <summary>Change the display name (the cookie is refreshed so the header shows it at once) or the email address (confirmed at the new one).</summary>
public sealed class ProfileModel(UserManager<AppUser> users, SignInManager<AppUser> signIn, IBackgroundJobClient jobs) : PageModel
{
    [BindProperty]
    [StringLength(AppUser.MaxDisplayNameLength, ErrorMessage = "Keep it under 64 characters.")]
    public string? DisplayName { get; set; }

    [BindProperty]
    [EmailAddress(ErrorMessage = "That does not look like an email address.")]
    [StringLength(254)]
    public string? NewEmail { get; set; }

    public string UserName { get; private set; } = "";

    public string CurrentEmail { get; private set; } = "";

    public bool Saved { get; private set; }

    public string? ChangeSentTo { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (await LoadAsync() is not { } user)
        {
            return RedirectToPage("/Account/SignIn");
        }

        DisplayName = user.DisplayName;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (await LoadAsync() is not { } user)
        {
            return RedirectToPage("/Account/SignIn");
        }

        if (string.IsNullOrWhiteSpace(DisplayName))
        {
            ModelState.AddModelError(nameof(DisplayName), "Tell people what to call you.");
        }

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

    public async Task<IActionResult> OnPostChangeEmailAsync()
    {
        if (await LoadAsync() is not { } user)
        {
            return RedirectToPage("/Account/SignIn");
        }

        DisplayName = user.DisplayName;
        var newEmail = NewEmail?.Trim();
        if (string.IsNullOrEmpty(newEmail))
        {
            ModelState.AddModelError(nameof(NewEmail), "Enter the new address.");
        }
        else if (string.Equals(newEmail, user.Email, StringComparison.OrdinalIgnoreCase))
        {
            ModelState.AddModelError(nameof(NewEmail), "That is your address already.");
        }
        else if (await users.FindByEmailAsync(newEmail) is not null)
        {
            ModelState.AddModelError(nameof(NewEmail), "Another account uses that address.");
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        var userId = user.Id;
        jobs.Enqueue<AccountEmailJobs>(j => j.SendEmailChangeAsync(userId, newEmail!, CancellationToken.None));

        ChangeSentTo = newEmail;
        NewEmail = null;
        ModelState.Remove(nameof(NewEmail));
        return Page();
    }

    private async Task<AppUser?> LoadAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is not null)
        {
            UserName = user.UserName!;
            CurrentEmail = user.Email ?? "";
        }

        return user;
    }
}
