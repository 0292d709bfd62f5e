using System.ComponentModel.DataAnnotations;

using Cybernet.Web.Email;

using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Cybernet.Web.Pages.Account;

/// <summary>Sends the confirmation link again. Says the same whether or not the address has an account.</summary>
public sealed class ResendConfirmationModel(UserManager<AppUser> users, AccountEmails emails, ILogger<ResendConfirmationModel> logger) : PageModel
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
            try
            {
                var token = await users.GenerateEmailConfirmationTokenAsync(user);
                await emails.SendConfirmationAsync(user, user.Id.ToString(), token, HttpContext.RequestAborted);
            }
            catch (Exception error) when (MailSender.IsSendFailure(error))
            {
                AccountLog.ConfirmationNotSent(logger, error.GetType().Name);
                return RedirectToPage("/Account/CheckEmail", new { email = Email.Trim(), failed = true });
            }
        }

        return RedirectToPage("/Account/CheckEmail", new { email = Email.Trim() });
    }
}
