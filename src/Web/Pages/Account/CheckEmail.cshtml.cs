using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Cybernet.Web.Pages.Account;

/// <summary>After sign-up (or a resend): the link is on its way.</summary>
public sealed class CheckEmailModel : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Email { get; set; }

    public void OnGet()
    {
    }
}
