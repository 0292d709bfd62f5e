using System.ComponentModel.DataAnnotations;

using Cybernet.Web.Email;

using Hangfire;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Cybernet.Web.Pages.Account;

/// <summary>Sends the confirmation link again. Says the same whether or not the address has an account.</summary>
public sealed class ResendConfirmationModel(UserManager<AppUser> users, IBackgroundJobClient jobs) : PageModel
{
    [BindProperty]
    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "That does not look like an email address.")]
    [StringLength(254)]
    public string? Email { get; set; }

    public void OnGet(string? email) => Email = email;

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var user = await users.FindByEmailAsync(Email!.Trim());
        if (user is { EmailConfirmed: false })
        {
            jobs.Enqueue<AccountEmailJobs>(j => j.SendConfirmationAsync(user.Id, CancellationToken.None));
        }

        return RedirectToPage("/Account/CheckEmail", new { email = Email.Trim() });
    }
}
