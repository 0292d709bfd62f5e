using System.ComponentModel.DataAnnotations;
using Cybernet.Web.Digests;
using Cybernet.Web.Email;

using Hangfire;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Cybernet.Web.Pages.Account;

/// <summary>Sign-up: username, display name, email and password; then a link to confirm the address, which sign-in waits for.</summary>
public sealed class SignUpModel(UserManager<AppUser> users, IBackgroundJobClient jobs, DigestSettingsStore digestSettings, IOptions<AccountOptions> accountOptions, ILogger<SignUpModel> logger) : PageModel
{
    [BindProperty]
    public SignUpInput Input { get; set; } = new();

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var userName = UserNameRules.Normalize(Input.UserName ?? "");
        if (!UserNameRules.IsValid(userName))
        {
            ModelState.AddModelError("Input.UserName", $"Usernames are {UserNameRules.Description}");
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        var user = new AppUser
        {
            UserName = userName,
            Email = Input.Email!.Trim(),
            DisplayName = Input.DisplayName!.Trim(),
        };
        var result = await users.CreateAsync(user, Input.Password!);
        if (!result.Succeeded)
        {
            foreach (var error in result.Errors)
            {
                ModelState.AddModelError(FieldOf(error.Code), Friendly(error));
            }

            return Page();
        }

        await AccountsExtensions.GrantIfListedAsync(users, logger, user, accountOptions.Value.Administrators);
        await digestSettings.SetTimeZoneIfValidAsync(user.Id, Input.TimeZone, HttpContext.RequestAborted);
        jobs.Enqueue<AccountEmailJobs>(j => j.SendConfirmationAsync(user.Id, CancellationToken.None));
        return RedirectToPage("/Account/CheckEmail", new { email = user.Email });
    }

    private static string FieldOf(string code) => code switch
    {
        _ when code.StartsWith("Password", StringComparison.Ordinal) => "Input.Password",
        "DuplicateUserName" or "InvalidUserName" => "Input.UserName",
        "DuplicateEmail" or "InvalidEmail" => "Input.Email",
        _ => "",
    };

    private static string Friendly(IdentityError error) => error.Code switch
    {
        "DuplicateUserName" => "That username is taken. Try another.",
        "DuplicateEmail" => "An account with this email already exists. Sign in instead?",
        _ => error.Description,
    };
}

/// <summary>What the sign-up form posts.</summary>
public sealed class SignUpInput
{
    [Required(ErrorMessage = "Pick a username.")]
    [StringLength(UserNameRules.MaxLength + 1)]
    public string? UserName { get; set; }

    [Required(ErrorMessage = "Tell people what to call you.")]
    [StringLength(AppUser.MaxDisplayNameLength, ErrorMessage = "Keep it under 64 characters.")]
    public string? DisplayName { get; set; }

    [Required(ErrorMessage = "An email address is required.")]
    [EmailAddress(ErrorMessage = "That does not look like an email address.")]
    [StringLength(254)]
    public string? Email { get; set; }

    /// <summary>The browser's IANA time zone, so digests arrive at local times; the preferences page can change it.</summary>
    [StringLength(64)]
    public string? TimeZone { get; set; }

    [Required(ErrorMessage = "Choose a password.")]
    [StringLength(200, MinimumLength = 10, ErrorMessage = "Use at least 10 characters.")]
    [DataType(DataType.Password)]
    public string? Password { get; set; }
}
