using System.ComponentModel.DataAnnotations;

using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Cybernet.Web.Pages.Account;

/// <summary>Sign-up: username, display name, email and password; signs the new user in.</summary>
public sealed class SignUpModel(UserManager<AppUser> users, SignInManager<AppUser> signIn) : PageModel
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

        await signIn.SignInAsync(user, isPersistent: true);
        return LocalRedirect("/");
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

    [Required(ErrorMessage = "Choose a password.")]
    [StringLength(200, MinimumLength = 10, ErrorMessage = "Use at least 10 characters.")]
    [DataType(DataType.Password)]
    public string? Password { get; set; }
}
