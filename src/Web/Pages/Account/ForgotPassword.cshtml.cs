using System.ComponentModel.DataAnnotations;

using Cybernet.Web.Email;

using Hangfire;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Cybernet.Web.Pages.Account;

/// <summary>Asks for a password reset link. Answers the same whether or not the address has an account.</summary>
public sealed class ForgotPasswordModel(UserManager<AppUser> users, IBackgroundJobClient jobs) : PageModel
{
    [BindProperty]
    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "That does not look like an email address.")]
    [StringLength(254)]
    public string? Email { get; set; }

    public bool Sent { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        if (await users.FindByEmailAsync(Email!.Trim()) is { EmailConfirmed: true } user)
        {
            jobs.Enqueue<AccountEmailJobs>(j => j.SendPasswordResetAsync(user.Id, CancellationToken.None));
        }

        Sent = true;
        return Page();
    }
}
